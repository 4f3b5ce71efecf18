"""Writes of the pool's policies, one updater per settings screen (Password
policy, Sign-in, Sign-in methods, Verification codes). Each takes the values of
its screen's fields, checks what the fields alone cannot, and saves the pool's
row (its first change stores the defaults' row) with one audit event naming the
changes, in one transaction. On a refusal nothing is written."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record, changes_applied
from core.catalogue import error, field_error
from core.validation import validated_save

from ..hash_limits import pool_dummy_recompute
from .codes import code_policies_for
from .models import SecondFactor
from .passwords import password_policy_for
from .sign_in import sign_in_policy_for

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
SIGN_IN_FIELDS = (
    "lockout_failures",
    "lockout_first_seconds",
    "lockout_max_seconds",
    "self_service_reset",
    "self_service_delete",
)
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
CODE_FIELDS = ("length", "lifetime_seconds", "max_attempts", "resend_seconds")


def _audit(*, pool, actor, action: str, changes: dict) -> None:
    if changes:
        audit_record(
            actor=actor,
            action=action,
            workspace=pool.workspace,
            target=pool,
            details={"changes": changes},
        )


def _policy_update(
    *,
    pool,
    actor,
    policy,
    fields: tuple[str, ...],
    values: dict,
    action: str,
    check: Callable[[object], None],
    then: Callable[[dict], None] | None = None,
):
    """The one path of the single-row policies: set ``fields`` from ``values``
    on ``policy``, ``check`` it (raises ValidationError), then validate and
    save it with the audit event ``action`` (when something changed) and
    ``then(changes)``, in one transaction. Returns the policy."""
    changes = changes_applied(policy, **{f: values[f] for f in fields if f in values})
    check(policy)
    with transaction.atomic():
        validated_save(
            policy,
            exclude=["pool"],
            then=lambda: _audit(pool=pool, actor=actor, action=action, changes=changes),
        )
        if then is not None:
            then(changes)
    return policy


def _password_lengths(policy) -> None:
    if policy.max_length < policy.min_length:
        raise field_error("max_length", "password_policy_lengths")


def pool_update_password_policy(*, pool, actor, **values):
    """Change the pool's password policy (``POLICY_FIELDS``). Raises
    ValidationError: field errors (the allowed ranges; the counts of character
    kinds, 16 at most each, always fit in the maximum length of 64 or more),
    ``password_policy_lengths``."""

    def dummy(changes: dict) -> None:
        if "imported_hash_max_cost" in changes or pool.imported_hash_dummy:
            # From the hashes the pool still stores: once its imported users
            # have signed in (upgraded), saving the policy ends the dummy.
            pool_dummy_recompute(pool=pool, max_cost=policy.imported_hash_max_cost)

    policy = password_policy_for(pool)
    _policy_update(
        pool=pool,
        actor=actor,
        policy=policy,
        fields=POLICY_FIELDS,
        values=values,
        action="pool.password_policy_changed",
        check=_password_lengths,
        then=dummy,
    )
    pool.password_policy = policy
    return policy


def _lockout_order(policy) -> None:
    if policy.lockout_max_seconds < policy.lockout_first_seconds:
        raise field_error("lockout_max_seconds", "lockout_order")


def pool_update_sign_in_policy(*, pool, actor, **values):
    """Change the pool's sign-in rules (``SIGN_IN_FIELDS``). Raises
    ValidationError: field errors (the allowed ranges), ``lockout_order`` when the
    longest block is shorter than the first."""
    policy = _policy_update(
        pool=pool,
        actor=actor,
        policy=sign_in_policy_for(pool),
        fields=SIGN_IN_FIELDS,
        values=values,
        action="pool.sign_in_policy_changed",
        check=_lockout_order,
    )
    pool.sign_in_policy = policy
    return policy


def _methods_usable(policy) -> None:
    if not policy.first_factors():
        raise error("sign_in_methods_none")
    if not getattr(policy, f"{policy.preferred_method}_enabled", False):
        raise field_error("preferred_method", "sign_in_preferred_off")
    if policy.second_factor != SecondFactor.OFF and not policy.second_factors():
        raise error("second_factor_methods_none")


def pool_update_sign_in_methods(*, pool, actor, **values):
    """Change how the pool's users sign in (``METHOD_FIELDS``). Raises
    ValidationError: ``sign_in_methods_none`` (no method on),
    ``sign_in_preferred_off`` (the preferred method is off),
    ``second_factor_methods_none`` (a second factor with no method counting)."""
    policy = _policy_update(
        pool=pool,
        actor=actor,
        policy=sign_in_policy_for(pool),
        fields=METHOD_FIELDS,
        values=values,
        action="pool.sign_in_methods_changed",
        check=_methods_usable,
    )
    pool.sign_in_policy = policy
    return policy


def pool_update_code_policies(*, pool, actor, values: dict[str, dict]) -> list:
    """Change the pool's code rules: ``values`` maps a purpose to its fields
    (``CODE_FIELDS``). One row per purpose, all saved or none: raises
    ValidationError with the field errors keyed "<purpose>__<field>" (the
    allowed ranges)."""
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
        _audit(
            pool=pool, actor=actor, action="pool.code_rules_changed", changes=changes
        )
    pool.__dict__.pop("_code_rules", None)
    return policies
