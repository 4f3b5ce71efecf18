"""Checks the user page runs on what it shows."""

from __future__ import annotations

from core.catalogue import message

from ..models import IdentityPool, PoolUser
from ..user_schemas.data import schema_data_errors
from ..user_schemas.editable import to_be_filled, users_document
from ..user_schemas.fields import field_label


def user_data_problems(*, pool: IdentityPool, user: PoolUser) -> str:
    """A notice when ``user``'s data no longer satisfies the pool's user schema (the
    schema changed with "Change anyway", or the data was imported), else "". A
    required field only operators fill in that a user who signed up lacks is not
    a problem but work to do (``user_data_to_fill``).

    Validates on render: one compiled, cached check of one row, no query.
    """
    errors = schema_data_errors(
        users_document(pool.user_schema.document), user.user_data
    )
    if not errors:
        return ""
    problems = " ".join(e.message for problems in errors.values() for e in problems)
    return message("user_data_outdated", problems=problems)


def user_data_to_fill(*, pool: IdentityPool, user: PoolUser) -> str:
    """A notice naming the required fields only operators fill in that ``user``
    lacks (``user_schemas.editable``), else ""."""
    document = pool.user_schema.document
    names = to_be_filled(document, user.user_data)
    if not names:
        return ""
    properties = document["properties"]
    labels = ", ".join(field_label(name, properties[name]) for name in names)
    return message("user_data_to_fill", fields=labels)
