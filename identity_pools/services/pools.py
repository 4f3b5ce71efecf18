"""Writes of identity pools. Each runs in one transaction with its audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record, changes_applied
from core.catalogue import error, field_error, message
from core.validation import validated_save
from workspaces.models import Workspace

from ..code_rules import code_policies_for
from ..hash_limits import pool_dummy_recompute
from ..models import IdentityPool, SecondFactor, UserSchema
from ..passwords import password_policy_for
from ..sign_in_rules import sign_in_policy_for

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


def _save_setting(*, pool: IdentityPool, actor, setting, changes, action: str):
    """Validate and save ``setting`` (one of the pool's settings rows, the
    defaults' row on the first change), with the audit event ``action`` when
    ``changes`` is not empty."""

    def record() -> None:
        if changes:
            audit_record(
                actor=actor,
                action=action,
                workspace=pool.workspace,
                target=pool,
                details={"changes": changes},
            )

    validated_save(setting, exclude=["pool"], then=record)


POLICY_FIELDS = (
    "min_length",
    "max_length",
    "min_uppercase",
    "min_lowercase",
    "min_digits",
    "min_special",
    "block_common",
    "block_personal",
    "history_count",
    "expiry_days",
    "imported_hash_max_cost",
)


def pool_update_password_policy(*, pool: IdentityPool, actor, **values):
    """Change the pool's password policy (``POLICY_FIELDS``); the first change
    stores the defaults' row. Raises ValidationError: field errors (the allowed
    ranges; the counts of character kinds, 16 at most each, always fit in the
    maximum length of 64 or more), ``password_policy_lengths``."""
    policy = password_policy_for(pool)
    changes = changes_applied(
        policy, **{f: values[f] for f in POLICY_FIELDS if f in values}
    )
    if policy.max_length < policy.min_length:
        raise field_error("max_length", "password_policy_lengths")
    with transaction.atomic():
        _save_setting(
            pool=pool,
            actor=actor,
            setting=policy,
            changes=changes,
            action="pool.password_policy_changed",
        )
        if "imported_hash_max_cost" in changes or pool.imported_hash_dummy:
            # From the hashes the pool still stores: once its imported users
            # have signed in (upgraded), saving the policy ends the dummy.
            pool_dummy_recompute(pool=pool, max_cost=policy.imported_hash_max_cost)
    pool.password_policy = policy
    return policy


CODE_FIELDS = ("length", "lifetime_seconds", "max_attempts", "resend_seconds")


def pool_update_code_policies(
    *, pool: IdentityPool, actor, values: dict[str, dict]
) -> list:
    """Change the pool's code rules: ``values`` maps a purpose to its fields
    (``CODE_FIELDS``). All purposes are saved or none: raises ValidationError with
    the field errors keyed "<purpose>__<field>" (the allowed ranges)."""
    policies = code_policies_for(pool)
    changes: dict[str, dict] = {}
    errors: dict[str, list] = {}
    for policy in policies:
        given = values.get(policy.purpose, {})
        changed = changes_applied(
            policy, **{f: given[f] for f in CODE_FIELDS if f in given}
        )
        if changed:
            changes[policy.purpose] = changed
        try:
            policy.full_clean(exclude=["pool"])
        except ValidationError as exc:
            for field, field_errors in exc.error_dict.items():
                errors[f"{policy.purpose}__{field}"] = field_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for policy in policies:
            policy.save()
        if changes:
            audit_record(
                actor=actor,
                action="pool.code_rules_changed",
                workspace=pool.workspace,
                target=pool,
                details={"changes": changes},
            )
    pool.__dict__.pop("_code_rules", None)
    return policies


SIGN_IN_FIELDS = (
    "lockout_failures",
    "lockout_first_seconds",
    "lockout_max_seconds",
    "self_service_reset",
    "self_service_delete",
)


def pool_update_sign_in_policy(*, pool: IdentityPool, actor, **values):
    """Change the pool's sign-in rules (``SIGN_IN_FIELDS``). Raises
    ValidationError: field errors (the allowed ranges), ``lockout_order`` when the
    longest block is shorter than the first."""
    policy = sign_in_policy_for(pool)
    changes = changes_applied(
        policy, **{f: values[f] for f in SIGN_IN_FIELDS if f in values}
    )
    if policy.lockout_max_seconds < policy.lockout_first_seconds:
        raise field_error("lockout_max_seconds", "lockout_order")
    _save_setting(
        pool=pool,
        actor=actor,
        setting=policy,
        changes=changes,
        action="pool.sign_in_policy_changed",
    )
    pool.sign_in_policy = policy
    return policy


METHOD_FIELDS = (
    "password_enabled",
    "password_on_first_page",
    "email_code_enabled",
    "sms_code_enabled",
    "totp_enabled",
    "passkey_enabled",
    "preferred_method",
    "second_factor",
    "mfa_totp",
    "mfa_passkey",
    "mfa_email_code",
    "mfa_sms_code",
    "remember_device_days",
)


def pool_update_sign_in_methods(*, pool: IdentityPool, actor, **values):
    """Change how the pool's users sign in (``METHOD_FIELDS``). Raises
    ValidationError: ``sign_in_methods_none`` (no method on),
    ``sign_in_preferred_off`` (the preferred method is off),
    ``second_factor_methods_none`` (a second factor with no method counting)."""
    policy = sign_in_policy_for(pool)
    changes = changes_applied(
        policy, **{f: values[f] for f in METHOD_FIELDS if f in values}
    )
    if not policy.first_factors():
        raise error("sign_in_methods_none")
    if not getattr(policy, f"{policy.preferred_method}_enabled", False):
        raise field_error("preferred_method", "sign_in_preferred_off")
    if policy.second_factor != SecondFactor.OFF and not policy.second_factors():
        raise error("second_factor_methods_none")
    _save_setting(
        pool=pool,
        actor=actor,
        setting=policy,
        changes=changes,
        action="pool.sign_in_methods_changed",
    )
    pool.sign_in_policy = policy
    return policy


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
    from ..user_schemas.services import user_schema_impact

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
