"""Checks the user page runs on what it shows."""

from __future__ import annotations

from core.catalogue import message

from ..models import IdentityPool, PoolUser
from ..user_schemas.data import schema_data_errors


def user_data_problems(*, pool: IdentityPool, user: PoolUser) -> str:
    """A notice when ``user``'s data no longer satisfies the pool's user schema (the
    schema changed with "Change anyway", or the data was imported), else "".

    Validates on render: one compiled, cached check of one row, no query.
    """
    errors = schema_data_errors(pool.user_schema.document, user.user_data)
    if not errors:
        return ""
    problems = " ".join(e.message for problems in errors.values() for e in problems)
    return message("user_data_outdated", problems=problems)
