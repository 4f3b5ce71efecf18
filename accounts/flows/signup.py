"""Self-registration: a visitor signs up with an identifier, user data and a
password, then proves the address with a code.

Enumeration-safe: for an identifier the pool already has, nothing is created; the
address's owner gets a notice instead of a code, the visitor sees exactly what a
new sign-up sees (the same password-hashing work is done), and any code entered
later is "not correct". A send refused by a recipient's limit (the address had
mail a moment ago, or too much today) is as silent: the page reads as for any
address (``core.delivery.limits``, ``public``). The state between the two steps
(``Pending``) lives in the hosted session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.catalogue import error, field_error, wait_words
from core.delivery import send_templated
from core.delivery.limits import send_quota_consume
from identity_pools.identifiers import identifier_parse
from identity_pools.models import Identifier, PoolUser
from identity_pools.policies.codes import code_rules_for
from identity_pools.services.users import (
    pool_user_confirm_identifier,
    pool_user_sign_up,
    pool_user_sign_up_check,
)
from identity_pools.stats import pool_stat_add

from ..authenticators.codes.services import code_send, code_verify
from ..models import Code
from .pending import SessionPending

SESSION_KEY = "signup"
PENDING_FOR = 60 * 60  # seconds a sign-up waits for its code in the session


@dataclass(frozen=True)
class Pending(SessionPending):
    """A sign-up waiting for its code: which pool, which address, and the new user
    (None when the address belonged to an existing user)."""

    session_key = SESSION_KEY
    lifetime = PENDING_FOR

    pool: str
    identifier: str
    channel: str
    user: str | None
    sent_at: float


def _allowed_types(pool) -> list[str]:
    return [
        kind
        for kind, allowed in (
            (Identifier.Type.EMAIL, pool.signup_with_email),
            (Identifier.Type.PHONE, pool.signup_with_phone),
        )
        if allowed
    ]


def _parse(pool, raw: str):
    try:
        parsed = identifier_parse(raw)
    except ValidationError as exc:
        raise ValidationError({"identifier": exc.error_list}) from exc
    allowed = _allowed_types(pool)
    if parsed.type not in allowed:
        words = {"email": "an email address", "phone": "a mobile number"}
        raise field_error(
            "identifier",
            "identifier_type_not_allowed",
            kind=words[parsed.type],
            allowed=" or ".join(words[k] for k in allowed) or "an invitation",
        )
    return parsed


def _issue_code(*, pool, user, identifier) -> None:
    """A new address-verification code for ``user``, sent to ``identifier`` once
    the caller's transaction commits (a failed send is recorded on the code)."""
    code_send(
        user=user,
        purpose=Code.Purpose.VERIFY_IDENTIFIER,
        identifier=identifier,
        rules=code_rules_for(pool, Code.Purpose.VERIFY_IDENTIFIER),
        template="signup_code",
        context={"pool": pool},
    )


def signup_start(*, pool, identifier: str, user_data: dict, password: str) -> Pending:
    """Sign up: a new "new" user with a code sent to the address, or, for an
    address the pool knows, a notice to it. Returns the Pending state either way.

    Raises ValidationError on "identifier" (not understood, or a type the pool
    does not accept), "user_data", "password" (the pool's policy) and
    ``send_rate_limited`` (the workspace's limit); these do not depend on
    whether the address is known, or has just had mail.
    """
    parsed = _parse(pool, identifier)
    existing = Identifier.objects.filter(
        pool=pool, type=parsed.type, value=parsed.value
    ).exists()
    if not existing:
        try:
            with transaction.atomic():
                user, ident = pool_user_sign_up(
                    pool=pool, identifier=parsed, user_data=user_data, password=password
                )
                if send_quota_consume(
                    workspace=pool.workspace, recipient=parsed.value, public=True
                ):
                    _issue_code(pool=pool, user=user, identifier=ident)
                pool_stat_add(pool=pool, kind="sign_up")
            return Pending(
                str(pool.pk), parsed.value, parsed.type, str(user.pk), time.time()
            )
        except ValidationError as exc:
            if "identifier" not in getattr(exc, "error_dict", {}):
                raise
            # A concurrent sign-up took the address: answer as for a known one.
        except IntegrityError:
            pass
    # A known address: the same checks and work as a new sign-up, then a notice.
    pool_user_sign_up_check(
        pool=pool, identifier=parsed, user_data=user_data, password=password
    )
    make_password(password)  # the hashing a new account costs
    with transaction.atomic():
        if send_quota_consume(
            workspace=pool.workspace, recipient=parsed.value, public=True
        ):
            transaction.on_commit(
                lambda: send_templated(
                    channel=parsed.type,
                    to=parsed.value,
                    template="signup_exists",
                    context={"pool": pool},
                )
            )
    return Pending(str(pool.pk), parsed.value, parsed.type, None, time.time())


def signup_verify(*, pool, pending: Pending, code: str):
    """Confirm the address with ``code``: the user becomes active. Raises
    ValidationError ``code_invalid`` for a wrong, expired, used or dead code, and
    for a sign-up that created nobody (a known address)."""
    user = (
        PoolUser.objects.for_pool(pool)
        .filter(pk=pending.user, status=PoolUser.Status.NEW)
        .first()
        if pending.user
        else None
    )
    if user is None:
        raise error("code_invalid")
    used = code_verify(user=user, purpose=Code.Purpose.VERIFY_IDENTIFIER, secret=code)
    return pool_user_confirm_identifier(user=user, identifier=used.identifier)


def signup_resend(*, pool, pending: Pending) -> Pending:
    """A new code to the pending address (the earlier one stops working; when a
    recipient's limit refuses, nothing is sent and the earlier one still works).
    Raises ValidationError ``code_resend_too_soon`` within the pool's interval,
    counted from the last send of this sign-up, known address or not, and
    ``send_rate_limited`` (the workspace's limit)."""
    rules = code_rules_for(pool, Code.Purpose.VERIFY_IDENTIFIER)
    waited = time.time() - pending.sent_at
    if waited < rules.resend_after.total_seconds():
        raise error(
            "code_resend_too_soon",
            wait=wait_words(rules.resend_after.total_seconds() - waited + 1),
        )
    user = (
        PoolUser.objects.for_pool(pool)
        .filter(pk=pending.user, status=PoolUser.Status.NEW)
        .first()
        if pending.user
        else None
    )
    with transaction.atomic():
        allowed = send_quota_consume(
            workspace=pool.workspace, recipient=pending.identifier, public=True
        )
        if allowed and user is not None:
            ident = user.identifiers.get(value=pending.identifier)
            _issue_code(pool=pool, user=user, identifier=ident)
    return Pending(
        pending.pool, pending.identifier, pending.channel, pending.user, time.time()
    )
