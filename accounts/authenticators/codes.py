"""One-time codes for pool users: issue (stored hashed) and revoke.

Redeeming codes (with attempt limits) arrives with the hosted sign-up and sign-in
pages; every code already carries what that needs: purpose, expiry, single use,
wrong-attempt counter.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.tokens import new_token

from ..models import Code

LIFETIMES = {
    Code.Purpose.INVITATION: timedelta(days=7),
    Code.Purpose.VERIFY_IDENTIFIER: timedelta(minutes=10),
    Code.Purpose.PASSWORD_RESET: timedelta(minutes=30),
    Code.Purpose.SIGN_IN: timedelta(minutes=5),
}


def code_issue_link_token(*, user, purpose: str, identifier=None) -> tuple[Code, str]:
    """A new single-use link token for ``user``; earlier unused codes of the same
    purpose stop working. Returns the row and the secret (which is not stored)."""
    code_revoke_all(user=user, purpose=purpose)
    secret, digest = new_token()
    code = Code.objects.create(
        user=user,
        identifier=identifier,
        purpose=purpose,
        code_hash=digest,
        expires_at=timezone.now() + LIFETIMES[purpose],
    )
    return code, secret


def code_revoke_all(*, user, purpose: str) -> int:
    return (
        Code.objects.filter(user=user, purpose=purpose)
        .usable()
        .update(used_at=timezone.now())
    )
