"""End users' password sign-in on the hosted pages, identifier first.

Enumeration-safe: the first step accepts any well-formed identifier and always
asks for the password; a wrong password, an unknown identifier and an inactive
user fail with the same message after the same hashing work; blocks are kept per
identifier typed, known or not. A password the user must change (operator's
"must change", or expired by the pool's policy) is changed before the user is
signed in. The state between steps lives in the hosted session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import ratelimit
from core.audit import SystemActor, audit_record
from core.catalogue import error
from identity_pools.identifiers import identifier_parse
from identity_pools.models import Identifier, PoolUser
from identity_pools.passwords import password_policy_for, user_password_check
from identity_pools.sign_in_rules import sign_in_policy_for

from ..authenticators.lockout import lock_clear, lock_fail, lock_wait
from ..authenticators.passwords import (
    password_set,
    password_verify,
    password_verify_nobody,
)
from ..models import PasswordCredential

IDENTIFIER_KEY = "signin"
CHANGE_KEY = "signin_change"
SIGNED_IN_KEY = "pool_user"
STEP_SECONDS = 10 * 60  # a started sign-in is forgotten after this
# Failed sign-ins per client address (any identifier) per 15 minutes.
ADDRESS_LIMIT = (50, 15 * 60)


@dataclass(frozen=True)
class Outcome:
    """The result of the password step: ``signed_in``, or ``change_password``
    (the user must choose a new one before being signed in)."""

    user: PoolUser
    must_change: bool


def signin_identify(*, raw: str) -> str:
    """The normalised identifier of the first step. Raises ValidationError on
    "identifier" only when it is not an email address or mobile number (whether
    it exists is never said)."""
    try:
        return identifier_parse(raw).value
    except ValidationError as exc:
        raise ValidationError({"identifier": exc.error_list}) from exc


def _wait_error(seconds: int) -> ValidationError:
    return error("sign_in_blocked", minutes=max(1, (seconds + 59) // 60))


def _failed(*, pool, identifier, user, reason, ip) -> ValidationError:
    seconds = lock_fail(
        pool=pool, identifier=identifier, policy=sign_in_policy_for(pool)
    )
    ratelimit.hit(ratelimit.Limit(f"hosted:signin:{ip}", *ADDRESS_LIMIT))
    with transaction.atomic():
        audit_record(
            actor=SystemActor(identifier[:254]),
            action="pool_user.sign_in_failed",
            workspace=pool.workspace,
            target=user,
            details={"method": "password", "reason": reason},
        )
        if seconds and user is not None:
            audit_record(
                actor=SystemActor("brute-force protection"),
                action="pool_user.sign_in_blocked",
                workspace=pool.workspace,
                target=user,
                details={"identifier": identifier, "seconds": seconds},
            )
    return error("sign_in_failed")


def _expired(pool, credential: PasswordCredential) -> bool:
    days = password_policy_for(pool).expiry_days
    return bool(days) and credential.changed_at < timezone.now() - timedelta(days=days)


def signin_password(*, pool, identifier: str, password: str, ip) -> Outcome:
    """Check ``password`` for ``identifier``. Raises ValidationError
    ``sign_in_failed`` (wrong password, unknown identifier, a user who is not
    active) or ``sign_in_blocked`` (no password is checked then)."""
    address = ratelimit.Limit(f"hosted:signin:{ip}", *ADDRESS_LIMIT)
    locked = lock_wait(pool=pool, identifier=identifier)
    wait = max(
        locked or 0,
        ratelimit.retry_after(address) if ratelimit.is_limited(address) else 0,
    )
    if wait:
        raise _wait_error(wait)
    found = (
        Identifier.objects.filter(pool=pool, value=identifier)
        .select_related("user")
        .first()
    )
    user = found.user if found else None
    if user is not None:
        user.pool = pool  # with its workspace: no query again for the audit event
    if user is None or user.status != PoolUser.Status.ACTIVE:
        password_verify_nobody(password)
        reason = "unknown_identifier" if user is None else f"status_{user.status}"
        raise _failed(pool=pool, identifier=identifier, user=user, reason=reason, ip=ip)
    credential = password_verify(user=user, raw_password=password)
    if credential is None:
        raise _failed(
            pool=pool, identifier=identifier, user=user, reason="bad_password", ip=ip
        )
    if credential.state == PasswordCredential.State.MUST_RESET:
        raise _failed(
            pool=pool, identifier=identifier, user=user, reason="must_reset", ip=ip
        )
    must_change = credential.state == PasswordCredential.State.MUST_CHANGE or _expired(
        pool, credential
    )
    with transaction.atomic():
        if locked is not None:  # earlier failures are forgiven
            lock_clear(pool=pool, identifier=identifier)
        if not must_change:
            signin_record(user=user, method="password")
    return Outcome(user=user, must_change=must_change)


def signin_record(*, user, method: str) -> None:
    """A completed sign-in: the time on the user, and the audit event."""
    with transaction.atomic():
        PoolUser.objects.filter(pk=user.pk).update(last_sign_in_at=timezone.now())
        audit_record(
            actor=user,
            action="pool_user.signed_in",
            workspace=user.pool.workspace,
            target=user,
            details={"method": method},
        )


def signin_change_password(*, user, password: str) -> PoolUser:
    """The user chooses a new password (the pool's policy and history) before the
    sign-in completes. Raises ValidationError on "password"."""
    user_password_check(user=user, password=password)
    with transaction.atomic():
        password_set(user=user, raw_password=password)
        audit_record(
            actor=user,
            action="pool_user.password_changed",
            workspace=user.pool.workspace,
            target=user,
            details={"at": "sign_in"},
        )
    signin_record(user=user, method="password")
    return user


def session_start(session, *, key: str, pool, **values) -> None:
    session[key] = {"pool": str(pool.pk), "at": time.time(), **values}


def session_value(
    session, *, key: str, pool, seconds: int = STEP_SECONDS
) -> dict | None:
    data = session.get(key)
    if not data or data.get("pool") != str(pool.pk):
        return None
    if time.time() - data.get("at", 0) > seconds:
        session.pop(key, None)
        return None
    return data


def signed_in_user(session, *, pool, seconds: int) -> PoolUser | None:
    """The pool user this hosted session signed in, or None."""
    data = session_value(session, key=SIGNED_IN_KEY, pool=pool, seconds=seconds)
    if data is None:
        return None
    user = (
        PoolUser.objects.for_pool(pool)
        .filter(pk=data["user"], status=PoolUser.Status.ACTIVE)
        .first()
    )
    if user is not None:
        user.pool = pool
    ended = user.sessions_ended_at if user else None
    if user is None or (ended and ended.timestamp() >= data["at"]):
        session.pop(SIGNED_IN_KEY, None)  # signed out everywhere, or deactivated
        return None
    return user


def session_sign_in(session, *, pool, user) -> None:
    """Sign ``user`` in on this browser: the old session is deleted and a new one
    with a new key (no fixation) holds only the signed-in user; pending steps of
    the sign-in, sign-up or reset are forgotten. (Cheaper than ``cycle_key``,
    which copies the old session first: two queries and a commit fewer.)"""
    session.flush()
    session_start(session, key=SIGNED_IN_KEY, pool=pool, user=str(user.pk))
