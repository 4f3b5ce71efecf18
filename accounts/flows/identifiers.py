"""The signed-in user's own identifiers, from the account page: add an email
address or mobile number, or verify one they have, by entering the code sent
to it; remove one.

A new address is added only once its code is entered: nothing is reserved
before, so no one can hold an address they do not have. Whether an address
belongs to another user of the pool is said only then, to whoever proved they
hold it; before, the page answers alike for any address. The state between
the two steps (``Pending``) lives in the hosted session; the code is bound to
it (its ``attempt``), so it adds nothing else.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from core import ratelimit
from core.catalogue import error, field_error, wait_words
from core.delivery.limits import send_quota_consume
from identity_pools.access import identifier_access
from identity_pools.identifiers import MAX_IDENTIFIERS, identifier_parse
from identity_pools.models import Identifier
from identity_pools.policies.codes import code_rules_for
from identity_pools.services.users import (
    identifier_remove,
    pool_user_confirm_identifier,
)

from ..authenticators.codes.services import code_send, code_verify
from ..authenticators.events import user_audit, user_notice
from ..models import Code
from .pending import SessionPending

SESSION_KEY = "add_identifier"
PENDING_FOR = 30 * 60  # seconds an address waits for its code
# Codes a user may have sent to addresses they add, per hour (each address has
# its own quota as well: core.delivery.limits).
SENDS_PER_HOUR = 10


@dataclass(frozen=True)
class Pending(SessionPending):
    """An address waiting for its code: which pool and user, the address, its
    kind ("email", "phone") and the attempt its code is bound to."""

    session_key = SESSION_KEY
    lifetime = PENDING_FOR

    pool: str
    user: str
    identifier: str
    channel: str
    attempt: str
    sent_at: float

    @classmethod
    def of(cls, session, *, pool, user) -> Pending | None:
        pending = cls.from_session(session, pool)
        return pending if pending and pending.user == str(user.pk) else None


def identifier_add_start(*, user, raw: str) -> Pending:
    """Send a code to the address ``raw`` for ``user`` to add (or, when it is
    theirs and not verified yet, to verify). Raises ValidationError on
    "identifier" (not understood, already theirs and verified, or one too
    many: MAX_IDENTIFIERS),
    ``hosted_rate_limited``, ``send_rate_limited`` or ``code_resend_too_soon``."""
    try:
        parsed = identifier_parse(raw)
    except ValidationError as exc:
        raise ValidationError({"identifier": exc.error_list}) from exc
    own = user.identifiers.filter(value=parsed.value).first()
    if own is not None and own.is_verified:
        raise field_error("identifier", "identifier_yours")
    if own is None and user.identifiers.count() >= MAX_IDENTIFIERS:
        raise field_error("identifier", "identifiers_full", max=MAX_IDENTIFIERS)
    limit = ratelimit.Limit(f"hosted:add_identifier:{user.pk}", SENDS_PER_HOUR, 3600)
    if ratelimit.hit(limit) > limit.max_events:
        raise error(
            "hosted_rate_limited", wait=wait_words(ratelimit.retry_after(limit))
        )
    attempt = uuid.uuid4()
    pool = user.pool
    with transaction.atomic():
        send_quota_consume(workspace=pool.workspace, recipient=parsed.value)
        code_send(
            user=user,
            purpose=Code.Purpose.VERIFY_IDENTIFIER,
            # Not saved when new: the code goes there, the address stays free.
            identifier=own
            or Identifier(pool=pool, user=user, type=parsed.type, value=parsed.value),
            rules=code_rules_for(pool, Code.Purpose.VERIFY_IDENTIFIER),
            template="identifier_code",
            context={"pool": pool},
            attempt=attempt,
        )
    return Pending(
        str(pool.pk),
        str(user.pk),
        parsed.value,
        parsed.type,
        str(attempt),
        time.time(),
    )


def identifier_add_finish(*, user, pending: Pending, code: str) -> Identifier:
    """The code of ``pending`` entered: the address is ``user``'s, verified
    (a new one: their first verified address is told). Raises
    ValidationError ``code_invalid`` (wrong, expired, used, or of another
    address) or, on "code", ``identifier_taken_proved`` when another user of
    the pool has the address."""
    used = code_verify(
        user=user,
        purpose=Code.Purpose.VERIFY_IDENTIFIER,
        secret=code,
        attempt=pending.attempt,
    )
    pool = user.pool
    if used.identifier_id is not None:  # the user's own, not verified till now
        pool_user_confirm_identifier(user=user, identifier=used.identifier)
        used.identifier.is_verified = True
        return used.identifier
    added = Identifier(
        pool=pool,
        user=user,
        type=pending.channel,
        value=pending.identifier,
        is_verified=True,
        verified_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            # The user's first verified address hears of it (read before the
            # new one is saved: it is not told of itself).
            user_notice(user, "identifier_added", added=added.value)
            added.save(force_insert=True)
            user_audit(
                user,
                "pool_user.identifier_added",
                {"identifier": added.value, "verified": True},
            )
    except IntegrityError:
        raise field_error("code", "identifier_taken_proved") from None
    return added


def identifier_remove_own(*, user, identifier_id) -> Identifier:
    """Remove ``user``'s identifier ``identifier_id`` (any text: another
    user's, or none, is ``identifier_unknown``). Raises ValidationError
    ``identifier_last`` or ``identifier_last_verified``: the user keeps one
    verified address to sign in with and to reset a password through. A
    verified address removed is told."""
    try:
        identifier = identifier_access(user=user, identifier_id=identifier_id)
    except Http404:
        raise error("identifier_unknown") from None
    others = user.identifiers.exclude(pk=identifier.pk)
    if identifier.is_verified and not others.filter(is_verified=True).exists():
        raise error("identifier_last_verified")
    with transaction.atomic():
        identifier_remove(identifier=identifier, actor=user)
        if identifier.is_verified:  # the address's holder hears of it
            user_notice(user, "identifier_removed", to=identifier)
    return identifier
