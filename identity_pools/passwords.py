"""The password policy of a pool.

Until pools get their own policy settings (the sign-up issue), every pool uses the
default: 15 to 128 characters (NIST SP 800-63B rev. 4 for a password used alone), not
a common password, not containing one of the user's identifiers. No composition
rules, as NIST asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from core.catalogue import message


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 15
    max_length: int = 128
    forbid_common: bool = True
    forbid_identifier: bool = True

    def describe(self) -> str:
        return (
            f"At least {self.min_length} characters, at most {self.max_length}. "
            "Not a common password, and not containing your email address, mobile "
            "number or name."
        )


DEFAULT_POLICY = PasswordPolicy()


def password_policy_for(pool) -> PasswordPolicy:
    return DEFAULT_POLICY


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def password_check(
    password: str,
    *,
    policy: PasswordPolicy,
    identifiers: list[str],
    names: list[str] = (),
) -> None:
    """Raise ValidationError listing every rule ``password`` breaks. ``names`` are
    the user's names (given, family, full), refused like the identifiers."""
    errors = []
    if len(password) < policy.min_length:
        errors.append(
            ValidationError(
                message("password_too_short", min=policy.min_length),
                code="password_too_short",
            )
        )
    if len(password) > policy.max_length:
        errors.append(
            ValidationError(
                message("password_too_long", max=policy.max_length),
                code="password_too_long",
            )
        )
    lowered = password.lower().strip()
    if policy.forbid_common and lowered in _common_passwords():
        errors.append(
            ValidationError(message("password_too_common"), code="password_too_common")
        )
    if policy.forbid_identifier:
        for identifier in identifiers:
            parts = {identifier.lower(), identifier.lower().lstrip("+")}
            if "@" in identifier:
                local = identifier.split("@", 1)[0].lower()
                if len(local) >= 4:
                    parts.add(local)
            if any(part and part in lowered for part in parts):
                errors.append(
                    ValidationError(
                        message("password_contains_identifier"),
                        code="password_contains_identifier",
                    )
                )
                break
    if policy.forbid_identifier:
        words = {
            word
            for name in names
            if isinstance(name, str)
            for word in name.lower().split()
            if len(word) >= 3
        }
        if any(word in lowered for word in words):
            errors.append(
                ValidationError(
                    message("password_contains_name"), code="password_contains_name"
                )
            )
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
    *, pool, password: str, identifiers: list[str], user_data: dict | None = None
) -> None:
    """The one check of a pool user's new password, wherever it is set (Create
    User, invitation, sign-up, password change): the pool's policy, with the
    user's identifiers and names. Raises ValidationError listing every rule it
    breaks."""
    password_check(
        password,
        policy=password_policy_for(pool),
        identifiers=identifiers,
        names=user_names(user_data or {}),
    )
