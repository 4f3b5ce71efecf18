"""What follows the first factor of a sign-in: the second factor (when the pool
asks for one and the user has one), a forced enrolment (when the pool requires
one and the user has none), a password change (when it must change), then the
signed-in session; and a step-up, when an application asks a signed-in browser
for two factors.

Which of these comes next is the pipeline's decision (``flows.pipeline``):
each function here returns the stage the sign-in goes to, never a page.
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
from identity_pools.models import Identifier, PoolUser
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.codes.services import code_verify
from ..authenticators.events import user_audit
from ..authenticators.lockout.services import lock_clear, lock_key, lock_wait
from ..authenticators.passkeys.services import (
    PasskeyUse,
    passkey_authenticate,
    passkey_authentication_options,
)
from ..authenticators.recovery.services import recovery_code_use
from ..authenticators.totp.services import totp_verify
from ..models import Code, RememberedDevice, SignInLock
from .pipeline import (
    ENROLMENT,
    MUST_CHANGE,
    SECOND_FACTOR,
    SIGNED_IN,
    SignInState,
    Stage,
    next_stage,
    second_factor_enabled,
)
from .sign_in import sign_in_code_deliver, sign_in_failed, sign_in_record
from .sign_in_state import (
    attempt_enrolled,
    attempt_forget,
    attempt_identifier,
    attempt_of,
    attempt_wait,
    change_begin,
    session_sign_in,
    signed_in_sso,
)

CODE_TYPES = {"email_code": Identifier.Type.EMAIL, "sms_code": Identifier.Type.PHONE}
DEVICE_COOKIE = "hosted_device"


def step_up_start(
    session, *, pool, user, first: str, enrol: bool = True
) -> Stage | None:
    """An application asks for two factors (``acr_values=2``) from ``user``,
    signed in in this browser with one (``first``): the sign-in waits again
    at the second factor, or (with ``enrol``) at setting one up when the user
    has none the pool counts and the pool offers one to set up. Returns that
    stage (``SECOND_FACTOR``, ``ENROLMENT``), or None when there is neither. A
    second factor passed renews the single sign-on session as
    ``first+<method>``."""
    stage = next_stage(
        SignInState(
            pool=pool, user=user, first=first, step_up=True, step_up_enrol=enrol
        )
    )
    if stage not in (SECOND_FACTOR, ENROLMENT):
        return None
    attempt_wait(
        session,
        pool=pool,
        stage=stage,
        user=user,
        first=first,
        must_change=False,
        fresh=True,
    )
    return stage


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


def sign_in_after_first(
    session,
    *,
    pool,
    user,
    method: str,
    must_change: bool,
    device_token=None,
    had_failures: bool = False,
) -> Stage:
    """The first factor (``method``) passed: returns the stage the sign-in goes
    to (``SECOND_FACTOR``, ``ENROLMENT``, ``MUST_CHANGE``, or ``SIGNED_IN``:
    signed in now)."""
    stage = next_stage(
        SignInState(
            pool=pool,
            user=user,
            identifier=attempt_identifier(session) or "",
            first=method,
            must_change=must_change,
            remembered=device_remembered(user=user, token=device_token),
        )
    )
    if stage not in (SECOND_FACTOR, ENROLMENT):
        return sign_in_finish(
            session,
            pool=pool,
            user=user,
            method=method,
            must_change=must_change,
            clear_lock=had_failures,
        )
    attempt_wait(
        session,
        pool=pool,
        stage=stage,
        user=user,
        first=method,
        must_change=must_change,
        fresh=False,
    )
    return stage


def sign_in_pending(session, *, pool, stages: tuple[Stage, ...]):
    """The sign-in waiting at one of ``stages`` in this browser: (state, user),
    or None."""
    state = attempt_of(session, pool=pool, stages=stages)
    if state is None:
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


def sign_in_second_send(*, pool, user, method: str, attempt: str, ip) -> str:
    """Send a sign-in code for the second factor to the user's verified address
    of ``method``'s kind. Returns the address, masked for display. Raises
    ValidationError ``sign_in_method_unavailable`` (the pool does not take
    ``method`` as a second factor, or the user has no such address) or
    ``hosted_rate_limited``."""
    if method not in CODE_TYPES or not second_factor_enabled(
        sign_in_policy_for(pool), method
    ):
        raise error("sign_in_method_unavailable")
    limit = ratelimit.Limit(f"hosted:sign_in_send:{ip}", 20, 3600)
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
    sign_in_code_deliver(pool=pool, user=user, to=to, attempt=attempt)
    return mask(to.value)


def mask(value: str) -> str:
    """``j***@example.com``, ``+44*******456``: enough to recognise, not to read."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return value[:3] + "*" * max(0, len(value) - 6) + value[-3:]


def sign_in_second(
    *, pool, user, state: dict, method: str, code: str, options: list[str], ip
) -> None:
    """Check the second factor ``method`` (app, sign-in code, recovery code).
    Failures are audited and count towards the identifier's block. Raises
    ValidationError (``totp_code_invalid``, ``code_invalid``,
    ``recovery_code_invalid``, ``totp_throttled``, ``sign_in_blocked``,
    ``sign_in_method_unavailable``)."""
    if (
        method not in options
        or method == "passkey"
        or not second_factor_enabled(sign_in_policy_for(pool), method)
    ):
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
        sign_in_failed(
            pool=pool,
            identifier=identifier,
            user=user,
            reason="bad_second_factor",
            ip=ip,
            method=method,
        )
        raise


def sign_in_second_passkey_options(*, pool, user, ip, browser: str):
    """A passkey ceremony for ``user``'s second factor: (challenge id, options
    as JSON). Raises ValidationError ``sign_in_method_unavailable`` when the
    pool does not take a passkey as a second factor, or
    ``hosted_rate_limited``."""
    _second_passkey_check(pool)
    return passkey_authentication_options(pool=pool, ip=ip, browser=browser, user=user)


def sign_in_second_passkey(
    *, pool, user, challenge_id, response, ip, browser: str
) -> PasskeyUse:
    """Check the browser's answer to a second-factor passkey ceremony of
    ``user``. Raises ValidationError ``sign_in_method_unavailable`` when the
    pool does not take a passkey as a second factor, or the passkey's
    errors."""
    _second_passkey_check(pool)
    return passkey_authenticate(
        pool=pool,
        challenge_id=challenge_id,
        response=response,
        ip=ip,
        browser=browser,
        user=user,
    )


def _second_passkey_check(pool) -> None:
    if not second_factor_enabled(sign_in_policy_for(pool), "passkey"):
        raise error("sign_in_method_unavailable")


def sign_in_finish(
    session, *, pool, user, method: str, must_change: bool, clear_lock: bool = True
) -> Stage:
    """Every factor passed: the identifier's failures are forgiven (with
    ``clear_lock``; a sign-in that asked for no second factor clears them only
    when it had some), then a password change first when it must change
    (``MUST_CHANGE``), else the signed-in session (a new session key;
    ``SIGNED_IN``). Returns that stage."""
    identifier = attempt_identifier(session)
    stage = next_stage(
        SignInState(
            pool=pool,
            user=user,
            first=method,
            factors_passed=True,
            must_change=must_change,
        )
    )
    if stage is MUST_CHANGE:
        with transaction.atomic():
            if clear_lock and identifier:
                lock_clear(pool=pool, identifier=identifier)
            attempt_forget(session)
            change_begin(session, pool=pool, user=user, method=method)
        return stage
    # The lock, the single sign-on session, the browser's session row, the
    # last sign-in time, the audit event and the day's count: one statement on
    # PostgreSQL (``Writes``), in a transaction with the renewal of this
    # browser's single sign-on session when it had one (``prompt=login``).
    renewing = bool(signed_in_sso(session))
    with transaction.atomic() if renewing else nullcontext():
        writes = Writes()
        if clear_lock and identifier:
            writes.delete(
                SignInLock, where={"pool": pool.pk, "key": lock_key(identifier)}
            )
        session_sign_in(session, pool=pool, user=user, method=method, writes=writes)
        sign_in_record(user=user, method=method, writes=writes)
        writes.run()
    return SIGNED_IN


def sign_in_enrolled(session, *, pool, method: str) -> Stage:
    """The user set up a second factor at sign-in, ``method`` ("totp",
    "passkey", "synced_passkey"), proving they hold it: the pending sign-in
    may now finish, as ``<first>+<method>`` (``enrolled_method``). Returns the
    stage it waits at (``pipeline.ENROLLED``: the set-up is shown until the user goes
    on)."""
    state = attempt_of(session, pool=pool) or {}
    stage = next_stage(
        SignInState(
            pool=pool,
            user=state.get("user"),
            first=state.get("first", ""),
            enrolled=method,
            must_change=state.get("must_change", False),
        )
    )
    attempt_enrolled(session, stage=stage, method=method)
    return stage


def enrolled_method(state: dict) -> str:
    """The method of a sign-in that set up its second factor: the first
    factor's and the one set up ("enrolled" for a sign-in pending from before
    the set-up's kind was kept)."""
    return f"{state['first']}+{state.get('enrolled') or 'enrolled'}"
