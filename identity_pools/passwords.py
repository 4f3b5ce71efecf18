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
            "Not a common password, and not containing the email or mobile number."
        )


DEFAULT_POLICY = PasswordPolicy()


def password_policy_for(pool) -> PasswordPolicy:
    return DEFAULT_POLICY


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def password_check(
    password: str, *, policy: PasswordPolicy, identifiers: list[str]
) -> None:
    """Raise ValidationError listing every rule ``password`` breaks."""
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
    if errors:
        raise ValidationError(errors)
