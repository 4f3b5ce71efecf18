"""One-time codes for pool users: link tokens (invitations) and numeric codes
(address verification, password reset, sign-in, passkey enrolment).

Issuing a code of a purpose replaces the user's earlier one. Numeric codes are
stored as keyed hashes (``core.tokens.keyed_hash``), die after ``max_attempts``
wrong tries, and may not be re-sent before ``resend_after`` has passed. The rules
(``CodeRules``) come from the pool's settings (``identity_pools.policies.codes``:
``code_rules_for``; ``DEFAULT_RULES`` holds the defaults).
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.catalogue import error, wait_words
from core.delivery import send_templated
from core.tokens import keyed_hash, new_numeric_code, new_token, same_secret
from identity_pools.policies.codes import DEFAULT_RULES, CodeRules

from ...models import Code


def _cooldown(*, user, purpose: str, rules: CodeRules) -> None:
    """Refuse (``code_resend_too_soon``, saying how long to wait) when the last
    code of ``purpose`` was issued less than ``rules.resend_after`` ago."""
    last = (
        Code.objects.filter(user=user, purpose=purpose)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    elapsed = timezone.now() - last if last is not None else None
    if elapsed is not None and elapsed < rules.resend_after:
        wait = int((rules.resend_after - elapsed).total_seconds()) + 1
        raise error("code_resend_too_soon", wait=wait_words(wait))


def code_issue_link_token(
    *, user, purpose: str, identifier=None, rules: CodeRules | None = None
) -> tuple[Code, str]:
    """A new single-use link token for ``user``; earlier unused codes of the same
    purpose stop working. Returns the row and the secret (which is not stored).
    Raises ValidationError ``code_resend_too_soon`` like ``code_issue``."""
    rules = rules or DEFAULT_RULES[purpose]
    _cooldown(user=user, purpose=purpose, rules=rules)
    code_revoke_all(user=user, purpose=purpose)
    secret, digest = new_token()
    code = Code.objects.create(
        user=user,
        identifier=identifier,
        purpose=purpose,
        code_hash=digest,
        expires_at=timezone.now() + rules.lifetime,
        max_attempts=rules.max_attempts,
    )
    return code, secret


def code_issue(
    *, user, purpose: str, identifier, rules: CodeRules | None = None, attempt=None
) -> tuple[Code, str]:
    """A new numeric code for ``user`` (sent to ``identifier``, which may be
    an unsaved one: an address not yet the user's); the earlier one of the
    purpose stops working. Returns the row and the code (not stored).

    Raises ValidationError ``code_resend_too_soon`` (saying how long to wait) when
    the last code of the purpose was issued less than ``rules.resend_after`` ago.
    ``attempt`` (a sign-in attempt's id) binds the code to that attempt: it is
    then checked only with the same ``attempt``. Call inside the caller's
    transaction.
    """
    rules = rules or DEFAULT_RULES[purpose]
    _cooldown(user=user, purpose=purpose, rules=rules)
    now = timezone.now()
    code_revoke_all(user=user, purpose=purpose)
    pk = uuid.uuid4()
    secret = new_numeric_code(rules.length)
    code = Code.objects.create(
        id=pk,
        user=user,
        # An unsaved identifier (an address the user is adding) is not linked.
        identifier=None if identifier._state.adding else identifier,
        purpose=purpose,
        code_hash=keyed_hash(secret, salt=str(pk)),
        expires_at=now + rules.lifetime,
        max_attempts=rules.max_attempts,
        attempt=attempt,
    )
    return code, secret


def code_send(
    *,
    user,
    purpose: str,
    identifier,
    rules: CodeRules,
    template: str,
    context: dict,
    attempt=None,
) -> Code:
    """``code_issue``, then send the code to ``identifier`` with ``template``
    (``context`` plus "code" and "expires_at") once the caller's transaction
    commits; a failed send is recorded on the code (``code_send_failed``)."""
    code, secret = code_issue(
        user=user, purpose=purpose, identifier=identifier, rules=rules, attempt=attempt
    )

    def send() -> None:
        if not send_templated(
            channel=identifier.type,
            to=identifier.value,
            template=template,
            context={**context, "code": secret, "expires_at": code.expires_at},
        ):
            code_send_failed(code=code)

    transaction.on_commit(send)
    return code


def code_verify(*, user, purpose: str, secret: str, attempt=None) -> Code:
    """Use up ``user``'s open code of ``purpose`` when ``secret`` matches it.

    A wrong code counts against the code's tries (under a row lock, so parallel
    guesses count too); at ``max_attempts`` it is dead. Raises ValidationError
    ``code_invalid`` for a wrong, expired, used, replaced or dead code alike.
    Runs its own transaction: call it outside the caller's, or a wrong try would
    be rolled back with the caller's refusal. A code issued for a sign-in
    attempt matches only with that ``attempt``.
    """
    with transaction.atomic():
        code = (
            Code.objects.select_for_update()
            .usable()
            .filter(user=user, purpose=purpose, attempt=attempt)
            .order_by("-created_at")
            .first()
        )
        matched = code is not None and same_secret(
            code.code_hash, keyed_hash(secret.strip(), salt=str(code.pk))
        )
        if matched:
            Code.objects.filter(pk=code.pk).update(used_at=timezone.now())
        elif code is not None:
            Code.objects.filter(pk=code.pk).update(attempts=F("attempts") + 1)
    if not matched:
        raise error("code_invalid")
    return code


def code_revoke_all(*, user, purpose: str) -> int:
    return (
        Code.objects.filter(user=user, purpose=purpose)
        .usable()
        .update(used_at=timezone.now())
    )


def code_send_failed(*, code: Code) -> None:
    """Record that the message carrying ``code`` could not be handed over (the
    operator sees it; a resend is the retry)."""
    Code.objects.filter(pk=code.pk).update(send_failed_at=timezone.now())


def code_latest(*, user, purpose: str) -> Code | None:
    """``user``'s most recent code of ``purpose`` (open or not), for showing its
    state: pending until ``expires_at``, used, or not sent (``send_failed_at``)."""
    return (
        Code.objects.filter(user=user, purpose=purpose).order_by("-created_at").first()
    )
