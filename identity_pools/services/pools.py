"""Writes of identity pools. Each runs in one transaction with its audit event.
The pool's policies have their own updaters (``policies.services``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record, changes_applied
from core.catalogue import error, message
from core.validation import validated_save
from workspaces.models import Workspace

from ..models import IdentityPool, UserSchema
from ..user_schemas.services import user_schema_impact

NAME_ERRORS = {"pool_name_taken": "name"}
# The schemas default to the built-ins; checking them would cost two queries.
NOT_CHECKED = ["user_schema", "metadata_schema"]


def pool_create(
    *, workspace: Workspace, actor, name: str, description: str = ""
) -> IdentityPool:
    """Create an empty pool using the built-in schemas. Raises ValidationError
    (``pool_name_taken`` on "name" when the workspace has a pool of that name in
    any letter case, also when a concurrent create wins)."""
    pool = IdentityPool(workspace=workspace, name=name.strip(), description=description)
    validated_save(
        pool,
        exclude=NOT_CHECKED,
        error_fields=NAME_ERRORS,
        then=lambda: audit_record(
            actor=actor,
            action="pool.created",
            workspace=workspace,
            target=pool,
            details={"name": pool.name},
        ),
    )
    return pool


def pool_update(
    *, pool: IdentityPool, actor, name: str, description: str
) -> IdentityPool:
    """Rename or describe the pool; the same errors as ``pool_create``. On error
    ``pool`` is left as it was."""
    before = (pool.name, pool.description)
    changes = changes_applied(pool, name=name.strip(), description=description)

    def record() -> None:
        if changes:
            audit_record(
                actor=actor,
                action="pool.updated",
                workspace=pool.workspace,
                target=pool,
                details={"changes": changes},
            )

    try:
        validated_save(
            pool,
            exclude=NOT_CHECKED,
            update_fields=["name", "description", "updated_at"],
            error_fields=NAME_ERRORS,
            then=record,
        )
    except ValidationError:
        pool.name, pool.description = before
        raise
    return pool


SIGN_UP_FIELDS = (
    "self_registration_enabled",
    "signup_with_email",
    "signup_with_phone",
    "post_registration_url",
)


def pool_update_sign_up(*, pool: IdentityPool, actor, **values) -> IdentityPool:
    """Change how users join the pool (``SIGN_UP_FIELDS``). Raises ValidationError:
    ``signup_no_identifier`` when sign-up is open with no identifier type, field
    errors (a post-registration URL that is not http or https). On error ``pool``
    is left as it was."""
    before = {field: getattr(pool, field) for field in SIGN_UP_FIELDS}
    changes = changes_applied(
        pool, **{field: values[field] for field in SIGN_UP_FIELDS if field in values}
    )

    def record() -> None:
        if changes:
            audit_record(
                actor=actor,
                action="pool.sign_up_changed",
                workspace=pool.workspace,
                target=pool,
                details={"changes": changes},
            )

    try:
        if pool.self_registration_enabled and not (
            pool.signup_with_email or pool.signup_with_phone
        ):
            raise error("signup_no_identifier")
        validated_save(
            pool,
            exclude=NOT_CHECKED,
            update_fields=[*SIGN_UP_FIELDS, "updated_at"],
            then=record,
        )
    except ValidationError:
        for field, value in before.items():
            setattr(pool, field, value)
        raise
    return pool


def pool_delete(*, pool: IdentityPool, actor, confirm_name: str) -> None:
    """Delete the pool with its users, identifiers, groups and codes (one statement:
    the foreign keys cascade in the database). ``confirm_name`` must equal the name."""
    if confirm_name.strip() != pool.name:
        raise ValidationError(
            {
                "confirm_name": ValidationError(
                    message("pool_confirm_mismatch"), code="pool_confirm_mismatch"
                )
            }
        )
    with transaction.atomic():
        locked = IdentityPool.objects.select_for_update().get(pk=pool.pk)
        audit_record(
            actor=actor,
            action="pool.deleted",
            workspace=pool.workspace,
            target=pool,
            details={
                "name": pool.name,
                "users": locked.user_count,
                "groups": locked.groups.count(),
            },
        )
        IdentityPool.objects.filter(pk=pool.pk).delete()


def pool_change_schemas(
    *,
    pool: IdentityPool,
    actor,
    user_schema: UserSchema,
    metadata_schema: UserSchema,
    force: bool = False,
):
    """Point the pool at other schemas. Unless ``force``, refuses (code
    ``schema_breaks_users``, with the impact attached as ``exc.impact``) when existing
    users would not satisfy the new ones."""
    for schema, kind, field in (
        (user_schema, UserSchema.Kind.USER_DATA, "user_schema"),
        (metadata_schema, UserSchema.Kind.METADATA, "metadata_schema"),
    ):
        if schema.kind != kind or schema.workspace_id not in (None, pool.workspace_id):
            raise ValidationError(
                {field: ValidationError(message("schema_wrong_kind"), code="invalid")}
            )
    impacts = []
    if user_schema.pk != pool.user_schema_id:
        impacts.append(
            user_schema_impact(
                document=user_schema.document, kind=user_schema.kind, pools=[pool]
            )
        )
    if metadata_schema.pk != pool.metadata_schema_id:
        impacts.append(
            user_schema_impact(
                document=metadata_schema.document,
                kind=metadata_schema.kind,
                pools=[pool],
            )
        )
    failing = sum(i.failing for i in impacts)
    if failing and not force:
        exc = ValidationError(
            message(
                "schema_breaks_users",
                failing=failing,
                checked=sum(i.checked for i in impacts),
            ),
            code="schema_breaks_users",
        )
        exc.impacts = impacts
        raise exc
    changes = {}
    if pool.user_schema_id != user_schema.pk:
        changes["user_schema"] = [str(pool.user_schema), user_schema.name]
    if pool.metadata_schema_id != metadata_schema.pk:
        changes["metadata_schema"] = [str(pool.metadata_schema), metadata_schema.name]
    if not changes:
        return pool
    with transaction.atomic():
        pool.user_schema, pool.metadata_schema = user_schema, metadata_schema
        pool.save(update_fields=["user_schema", "metadata_schema", "updated_at"])
        audit_record(
            actor=actor,
            action="pool.schemas_changed",
            workspace=pool.workspace,
            target=pool,
            details={"changes": changes, "failing_users": failing},
        )
    return pool
