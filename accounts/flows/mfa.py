"""What follows the first factor of a sign-in: the second factor (when the pool
asks for one and the user has one), a forced enrolment (when the pool requires
one and the user has none), a password change (when it must change), then the
signed-in session.

The order matters: the second factor comes before a password change or an
enrolment, so a stolen password alone can change nothing. A passkey with user
verification is two factors in one (something you have, unlocked by something
you know or are) and never asks for another.
"""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import ratelimit
from core.catalogue import error, wait_words
from core.fastpath.writes import Writes
from core.tokens import token_hash
from identity_pools.models import Identifier, PoolUser, SecondFactor
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.codes import code_verify
from ..authenticators.events import user_audit
from ..authenticators.lockout import lock_clear, lock_key, lock_wait
from ..authenticators.passkeys import PASSKEY_METHODS
from ..authenticators.presence import (
    ENROLLED,
    authenticators_of,
    second_factor_options,
)
from ..authenticators.recovery import recovery_code_use
from ..authenticators.totp import totp_verify
from ..models import Code, RememberedDevice, SignInLock
from .signin import (
    CHANGE_KEY,
    IDENTIFIER_KEY,
    SIGNED_IN_KEY,
    session_sign_in,
    session_start,
    session_value,
    signin_code_deliver,
    signin_failed,
    signin_record,
)

CODE_TYPES = {"email_code": Identifier.Type.EMAIL, "sms_code": Identifier.Type.PHONE}
DEVICE_COOKIE = "hosted_device"


def enrolment_options(policy) -> list[str]:
    """What a user without a second factor may set up when the pool requires
    one (an app, a passkey)."""
    return [m for m in policy.second_factors() if m in ENROLLED]


def second_factor_step(*, policy, user, first: str, remembered: bool) -> str | None:
    """ "second" (ask for one), "enrol" (the pool requires one the user lacks), or
    None (signed in after the first factor)."""
    if (
        policy.second_factor == SecondFactor.OFF
        or first in PASSKEY_METHODS
        or remembered
    ):
        return None
    if policy.second_factor == SecondFactor.OPTIONAL:
        # Asked only when the user set up an app or a passkey the pool counts
        # (and not the first factor's): one small query decides.
        enrolled = [m for m in policy.second_factors() if m in ENROLLED and m != first]
        return "second" if enrolled and authenticators_of(user, enrolled) else None
    options = second_factor_options(policy=policy, user=user, first=first)
    return "second" if options else "enrol"


def step_up_start(session, *, pool, user, first: str, enrol: bool = True) -> str | None:
    """An application asks for two factors (``acr_values=2``) from ``user``,
    signed in in this browser with one (``first``): the sign-in waits again
    at the second factor, or (with ``enrol``) at setting one up when the user
    has none the pool counts and the pool offers one to set up. Returns the
    hosted page's name, or None when there is neither. A second factor passed
    renews the single sign-on session as ``first+<method>``."""
    policy = sign_in_policy_for(pool)
    if second_factor_options(policy=policy, user=user, first=first):
        step = "second"
    elif enrol and enrolment_options(policy):
        step = "enrol"
    else:
        return None
    session_start(
        session,
        key=IDENTIFIER_KEY,
        pool=pool,
        identifier="",
        attempt=secrets.token_hex(16),
        stage=step,
        user=str(user.pk),
        first=first,
        must_change=False,
    )
    return "signin_second" if step == "second" else "signin_enrol"


def device_remembered(*, user, token: str | None) -> bool:
    if not token or len(token) > 100:
        return False
    return RememberedDevice.objects.filter(
        user=user, token_hash=token_hash(token), expires_at__gt=timezone.now()
    ).exists()


def device_remember(*, user, days: int) -> str:
    """Remember this browser for ``days``: returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    RememberedDevice.objects.create(
        user=user,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token


def signin_after_first(
    session,
    *,
    pool,
    user,
    method: str,
    must_change: bool,
    device_token=None,
    had_failures: bool = False,
) -> str:
    """The first factor passed: returns the name of the hosted page to go to
    (``signin_second``, ``signin_enrol``, ``signin_change_password`` or
    ``account``, signed in)."""
    policy = sign_in_policy_for(pool)
    step = second_factor_step(
        policy=policy,
        user=user,
        first=method,
        remembered=device_remembered(user=user, token=device_token),
    )
    if step is None:
        return signin_finish(
            session,
            pool=pool,
            user=user,
            method=method,
            must_change=must_change,
            clear_lock=had_failures,
        )
    state = session.get(IDENTIFIER_KEY) or {}
    session_start(
        session,
        key=IDENTIFIER_KEY,
        pool=pool,
        identifier=state.get("identifier", ""),
        attempt=state.get("attempt") or secrets.token_hex(16),
        stage=step,
        user=str(user.pk),
        first=method,
        must_change=must_change,
    )
    return "signin_second" if step == "second" else "signin_enrol"


def signin_pending(session, *, pool, stages: tuple[str, ...]):
    """The sign-in waiting at one of ``stages`` in this browser: (state, user),
    or None."""
    state = session_value(session, key=IDENTIFIER_KEY, pool=pool)
    if state is None or state.get("stage") not in stages:
        return None
    user = (
        PoolUser.objects.for_pool(pool)
        .filter(pk=state["user"], status=PoolUser.Status.ACTIVE)
        .first()
    )
    if user is None:
        return None
    user.pool = pool
    return state, user


def signin_second_send(*, pool, user, method: str, attempt: str, ip) -> str:
    """Send a sign-in code for the second factor to the user's verified address
    of ``method``'s kind. Returns the address, masked for display."""
    limit = ratelimit.Limit(f"hosted:signin_send:{ip}", 20, 3600)
    if ratelimit.hit(limit) > limit.max_events:
        raise error(
            "hosted_rate_limited", wait=wait_words(ratelimit.retry_after(limit))
        )
    to = (
        user.identifiers.filter(type=CODE_TYPES[method], is_verified=True)
        .order_by("id")
        .first()
    )
    if to is None:
        raise error("sign_in_method_unavailable")
    signin_code_deliver(pool=pool, user=user, to=to, attempt=attempt)
    return mask(to.value)


def mask(value: str) -> str:
    """``j***@example.com``, ``+44*******456``: enough to recognise, not to read."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return value[:3] + "*" * max(0, len(value) - 6) + value[-3:]


def signin_second(
    *, pool, user, state: dict, method: str, code: str, options: list[str], ip
) -> None:
    """Check the second factor ``method`` (app, sign-in code, recovery code).
    Failures are audited and count towards the identifier's block. Raises
    ValidationError (``totp_code_invalid``, ``code_invalid``,
    ``recovery_code_invalid``, ``totp_throttled``, ``sign_in_blocked``,
    ``sign_in_method_unavailable``)."""
    if method not in options or method == "passkey":
        raise error("sign_in_method_unavailable")
    identifier = state.get("identifier") or str(user.pk)
    wait = lock_wait(pool=pool, identifier=identifier)
    if wait:
        raise error("sign_in_blocked", wait=wait_words(wait))
    try:
        if method == "totp":
            totp_verify(user=user, code=code)
        elif method == "recovery":
            with transaction.atomic():
                recovery_code_use(user=user, code=code)
                user_audit(user, "pool_user.recovery_code_used")
        else:
            code_verify(
                user=user,
                purpose=Code.Purpose.SIGN_IN,
                secret=code,
                attempt=state["attempt"],
            )
    except ValidationError as exc:
        if exc.code == "totp_throttled":
            raise
        signin_failed(
            pool=pool,
            identifier=identifier,
            user=user,
            reason="bad_second_factor",
            ip=ip,
            method=method,
        )
        raise


def signin_finish(
    session, *, pool, user, method: str, must_change: bool, clear_lock: bool = True
) -> str:
    """Every factor passed: the identifier's failures are forgiven (with
    ``clear_lock``; a sign-in that asked for no second factor clears them only
    when it had some), then a password change first when it must change, else
    the signed-in session (a new session key). Returns the page name to go to."""
    identifier = (session.get(IDENTIFIER_KEY) or {}).get("identifier")
    if must_change:
        with transaction.atomic():
            if clear_lock and identifier:
                lock_clear(pool=pool, identifier=identifier)
            session.pop(IDENTIFIER_KEY, None)
            session_start(
                session, key=CHANGE_KEY, pool=pool, user=str(user.pk), method=method
            )
        return "signin_change_password"
    # The lock, the single sign-on session, the browser's session row, the
    # last sign-in time, the audit event and the day's count: one statement on
    # PostgreSQL (``Writes``), in a transaction with the renewal of this
    # browser's single sign-on session when it had one (``prompt=login``).
    renewing = bool((session.get(SIGNED_IN_KEY) or {}).get("sso"))
    with transaction.atomic() if renewing else nullcontext():
        writes = Writes()
        if clear_lock and identifier:
            writes.delete(
                SignInLock, where={"pool": pool.pk, "key": lock_key(identifier)}
            )
        session_sign_in(session, pool=pool, user=user, method=method, writes=writes)
        signin_record(user=user, method=method, writes=writes)
        writes.run()
    return "account"


def signin_enrolled(session, *, pool, method: str) -> None:
    """The user set up a second factor at sign-in, ``method`` ("totp",
    "passkey", "synced_passkey"), proving they hold it: the pending sign-in
    may now finish, as ``<first>+<method>`` (``enrolled_method``)."""
    state = session[IDENTIFIER_KEY]
    state["stage"] = "enrolled"
    state["enrolled"] = method
    session.modified = True


def enrolled_method(state: dict) -> str:
    """The method of a sign-in that set up its second factor: the first
    factor's and the one set up ("enrolled" for a sign-in pending from before
    the set-up's kind was kept)."""
    return f"{state['first']}+{state.get('enrolled') or 'enrolled'}"
