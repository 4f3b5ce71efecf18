"""A signed-in end user edits their own user data on the account page: the
properties of the pool's user-data schema that users fill in (not those only
operators do: ``"x-editable-by": "operator"`` or ``readOnly``, which the page
shows read-only; ``user_schemas.editable``). Metadata is never shown nor
touched. The check against the schema and the audit event are the console's
(``pool_user_update_data``), with the user as the actor."""

from __future__ import annotations

from identity_pools.models import PoolUser
from identity_pools.services.users import pool_user_update_data
from identity_pools.user_schemas.editable import user_editable
from identity_pools.user_schemas.fields import schema_subset


def account_data_document(pool) -> dict:
    """The part of ``pool``'s user-data schema its users edit themselves."""
    document = pool.user_schema.document
    return schema_subset(document, user_editable(document))


def account_update_data(*, user: PoolUser, user_data: dict) -> PoolUser:
    """Save ``user_data`` (the editable properties, as the form cleaned them) on
    ``user``. Properties only operators fill in and keys the schema does not
    declare keep their stored values. Raises ValidationError on "user_data"
    when the whole does not satisfy the schema (the form has said so field by
    field before); a required property only operators fill in may be missing."""
    return pool_user_update_data(
        user=user, actor=user, user_data=user_data, keep_undeclared=True, by_user=True
    )
