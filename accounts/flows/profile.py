"""A signed-in end user edits their own user data on the account page: the
properties of the pool's user-data schema, except those marked ``readOnly``
(the operators' to set). Metadata is never shown nor touched. The check against
the schema and the audit event are the console's (``pool_user_update_data``),
with the user as the actor."""

from __future__ import annotations

from identity_pools.models import PoolUser
from identity_pools.services.users import pool_user_update_data
from identity_pools.user_schemas.fields import schema_subset


def _read_only(document: dict) -> set[str]:
    return {
        name
        for name, prop in document.get("properties", {}).items()
        if isinstance(prop, dict) and prop.get("readOnly") is True
    }


def account_data_document(pool) -> dict:
    """The part of ``pool``'s user-data schema its users edit themselves."""
    document = pool.user_schema.document
    hidden = _read_only(document)
    return schema_subset(
        document, [n for n in document.get("properties", {}) if n not in hidden]
    )


def account_update_data(*, user: PoolUser, user_data: dict) -> PoolUser:
    """Save ``user_data`` (the editable properties, as the form cleaned them) on
    ``user``. Read-only properties and keys the schema does not declare keep
    their stored values. Raises ValidationError on "user_data" when the whole
    does not satisfy the schema (the form has said so field by field before)."""
    document = user.pool.user_schema.document
    read_only = _read_only(document)
    kept = {k: user.user_data[k] for k in read_only if k in user.user_data}
    edited = {k: v for k, v in user_data.items() if k not in read_only}
    return pool_user_update_data(
        user=user, actor=user, user_data={**edited, **kept}, keep_undeclared=True
    )
