"""End users' sign-in on the hosted pages, identifier first: the first factor
(password, email or SMS code, authenticator app; passkeys in
``accounts.authenticators.passkeys.services``), then what ``flows.mfa`` decides
(a second factor, a forced enrolment, a password change), then the signed-in
session.

Enumeration-safe: the first step accepts any well-formed identifier and always
offers the pool's methods; a wrong secret, an unknown identifier and an inactive
user fail with the same message after the same work (a dummy password hash; a
code is "sent" to an unknown address as well); blocks are kept per identifier
typed, known or not. The state between steps lives in the hosted session
(``flows.sign_in_state``); which step comes next is ``flows.pipeline``'s
decision. Each first factor here refuses a method the pool's sign-in policy
has off (``sign_in_method_unavailable``), whatever page calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import ratelimit
from core.audit import SystemActor, audit_record, audit_row
from core.catalogue import error, wait_words
from core.fastpath.rows import cache_related, columns, loaded
from core.fastpath.sql import Query
from core.fastpath.writes import Writes
from core.models import RateLimitBucket
from identity_pools.credentials import PasswordCredential
from identity_pools.identifiers import identifier_parse
from identity_pools.models import Identifier, IdentityPool, PoolUser, SecondFactor
from identity_pools.policies.codes import code_rules_for
from identity_pools.policies.passwords import password_policy_for
from identity_pools.policies.sign_in import sign_in_policy_for
from identity_pools.stats import pool_stat_add

from ..authenticators.codes.services import code_send, code_verify
from ..authenticators.lockout.services import lock_fail, lock_key, lock_seconds
from ..authenticators.passkeys.services import (
    PasskeyUse,
    passkey_authenticate,
    passkey_authentication_options,
)
from ..authenticators.passwords.services import (
    password_set,
    password_verify,
    password_verify_nobody,
    user_password_check,
)
from ..authenticators.presence import AUTHENTICATORS, authenticator_flags_sql
from ..authenticators.totp.services import totp_verify
from ..models import Code, SignInLock

# Failed sign-ins per client address (any identifier) per 15 minutes.
ADDRESS_LIMIT = (50, 15 * 60)


@dataclass(frozen=True)
class Outcome:
    """A first factor passed: the user; whether their password must change
    first; whether the identifier had failures on record (cleared only once
    every factor has passed, so a known password never wipes the count of
    wrong second factors)."""

    user: PoolUser
    must_change: bool
    had_failures: bool = False


def sign_in_identify(*, raw: str) -> str:
    """The normalised identifier of the first step. Raises ValidationError on
    "identifier" only when it is not an email address or mobile number (whether
    it exists is never said)."""
    try:
        return identifier_parse(raw).value
    except ValidationError as exc:
        raise ValidationError({"identifier": exc.error_list}) from exc


def _wait_error(seconds: int) -> ValidationError:
    return error("sign_in_blocked", wait=wait_words(seconds))


def sign_in_failed(
    *, pool, identifier, user, reason, ip, method="password", key="sign_in_failed"
) -> ValidationError:
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
            details={"method": method, "reason": reason},
        )
        pool_stat_add(pool=pool, kind="sign_in_failed")
        if seconds and user is not None:
            audit_record(
                actor=SystemActor("brute-force protection"),
                action="pool_user.sign_in_blocked",
                workspace=pool.workspace,
                target=user,
                details={"identifier": identifier, "seconds": seconds},
            )
    return error(key)


def _expired(pool, credential: PasswordCredential) -> bool:
    days = password_policy_for(pool).expiry_days
    return bool(days) and credential.changed_at < timezone.now() - timedelta(days=days)


_CREDENTIAL_FIELDS = ["password", "state", "changed_at"]


def _first_factor_sql(vendor: str, wanted: tuple[str, ...]) -> tuple[str, list]:
    """The first factor's one query (see ``_first_factor_start``) and its fixed
    parameters, written once per vendor and ``wanted`` (``_FIRST_FACTOR``).
    Hand-written: the same in the ORM (a filtered relation, four subqueries,
    the second-factor ``Exists``) costs 2 ms of Python a sign-in to build, more
    than the four queries it replaces. Table and column names
    and constants only; values are parameters."""
    qn = connection.ops.quote_name

    def table(model):
        return qn(model._meta.db_table)

    def column(model, name):
        return qn(model._meta.get_field(name).column)

    user = columns(PoolUser, "u")
    credential = [f"c.{column(PasswordCredential, n)}" for n in _CREDENTIAL_FIELDS]
    pool_id, user_id = column(Identifier, "pool"), column(Identifier, "user")
    lock = (
        f"FROM {table(SignInLock)} l WHERE l.{column(SignInLock, 'pool')} = p.id"
        f" AND l.{column(SignInLock, 'key')} = %s"
    )
    window = (
        f"FROM {table(RateLimitBucket)} b WHERE b.{column(RateLimitBucket, 'key')}"
        f" = %s AND b.{column(RateLimitBucket, 'window_ends_at')} > %s"
    )
    flags, flag_params = authenticator_flags_sql("u.id", wanted, qn)
    sql = f"""SELECT {", ".join(user + credential)},
        (SELECT l.{column(SignInLock, "failures")} {lock}),
        (SELECT l.{column(SignInLock, "blocked_until")} {lock}),
        (SELECT b.{column(RateLimitBucket, "count")} {window}),
        (SELECT b.{column(RateLimitBucket, "window_ends_at")} {window})
        {"".join(", " + flag for flag in flags)}
        FROM {table(IdentityPool)} p
        LEFT JOIN {table(Identifier)} i
            ON i.{pool_id} = p.id AND i.{column(Identifier, "value")} = %s
        LEFT JOIN {table(PoolUser)} u ON u.id = i.{user_id}
        LEFT JOIN {table(PasswordCredential)} c
            ON c.{column(PasswordCredential, "user")} = u.id
        WHERE p.id = %s"""  # noqa: S608
    return sql, flag_params


_FIRST_FACTOR = Query(_first_factor_sql, returns=(PoolUser,))


def _aware(value):
    """A datetime read outside the ORM (SQLite returns strings, or naive UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _first_factor_start(*, pool, identifier: str, ip):
    """Refuse while the identifier or the client address is blocked; otherwise
    the lock state (``lock_wait``) and the user of the identifier (or None),
    loaded with their password credential and the authenticators the pool's
    second factor may ask about (``presence.authenticators_of``).

    One query, the same for known and unknown identifiers (no timing tells
    them apart): the pool's row, left-joined to the identifier, its user and
    credential, with the block and the address's failure count as columns."""
    address = ratelimit.Limit(f"hosted:signin:{ip}", *ADDRESS_LIMIT)
    now = timezone.now()
    policy = sign_in_policy_for(pool)
    wanted = tuple(m for m in policy.second_factors() if m in AUTHENTICATORS)
    if policy.second_factor == SecondFactor.REQUIRED:
        wanted += ("recovery",)
    _sql, flag_params = _FIRST_FACTOR.statement(wanted=wanted)
    key, when = lock_key(identifier), connection.ops.adapt_datetimefield_value(now)
    window = ratelimit.bucket_key(address.key)
    pool_id = IdentityPool._meta.pk.get_db_prep_value(pool.pk, connection)
    row = _FIRST_FACTOR.one(
        [key, key, window, when, window, when, *flag_params, identifier, pool_id],
        wanted=wanted,
    )
    if row is None:  # the pool was deleted meanwhile
        raise Http404("No such pool.")
    [user], rest = _FIRST_FACTOR.split(row)
    password, state, changed_at = rest[: len(_CREDENTIAL_FIELDS)]
    failures, blocked_until, count, ends, *flags = rest[len(_CREDENTIAL_FIELDS) :]
    locked = lock_seconds(
        found=failures is not None, blocked_until=_aware(blocked_until)
    )
    wait = locked or 0
    if (count or 0) >= address.max_events:
        wait = max(wait, int((_aware(ends) - now).total_seconds()), 0)
    if wait:
        raise _wait_error(wait)
    if user is None:
        return locked, None
    user.pool = pool  # with its workspace: no query again for the audit event
    credential = None
    if password is not None:
        credential = loaded(
            PasswordCredential(
                user=user, password=password, state=state, changed_at=_aware(changed_at)
            )
        )
    # What select_related("password_credential") leaves (password_verify).
    cache_related(user, "password_credential", credential)
    # What ``presence.authenticators_of`` reads instead of a query.
    user._authenticators_read = (
        frozenset(wanted),
        frozenset(m for m, on in zip(wanted, flags, strict=True) if on),
    )
    return locked, user


def sign_in_password(*, pool, identifier: str, password: str, ip) -> Outcome:
    """Check ``password`` for ``identifier``. Raises ValidationError
    ``sign_in_failed`` (wrong password, unknown identifier, a user who is not
    active), ``sign_in_blocked`` (no password is checked then) or
    ``sign_in_method_unavailable`` (the pool's passwords are off)."""
    method_check(pool, identifier, "password")
    locked, user = _first_factor_start(pool=pool, identifier=identifier, ip=ip)
    if user is None or user.status != PoolUser.Status.ACTIVE:
        password_verify_nobody(password, pool=pool)
        reason = "unknown_identifier" if user is None else f"status_{user.status}"
        raise sign_in_failed(
            pool=pool, identifier=identifier, user=user, reason=reason, ip=ip
        )
    credential = password_verify(user=user, raw_password=password, preloaded=True)
    if credential is None:
        raise sign_in_failed(
            pool=pool, identifier=identifier, user=user, reason="bad_password", ip=ip
        )
    must_change = credential.state == PasswordCredential.State.MUST_CHANGE or _expired(
        pool, credential
    )
    return Outcome(user=user, must_change=must_change, had_failures=locked is not None)


def first_factor_methods(pool, identifier: str) -> list[str]:
    """The pool's sign-in methods that fit ``identifier``, the preferred first:
    an email code for an email address, an SMS code for a mobile number. (It
    depends only on what was typed, never on whether the account exists.)"""
    kind = "sms_code" if identifier.startswith("+") else "email_code"
    return [
        method
        for method in sign_in_policy_for(pool).first_factors()
        if method not in ("email_code", "sms_code") or method == kind
    ]


def method_check(pool, identifier: str, method: str) -> None:
    """Refuse a first factor ``method`` the pool's sign-in policy has off, or
    that does not fit ``identifier`` (an email code for a mobile number):
    ValidationError ``sign_in_method_unavailable``, the answer of the first
    step when no method fits, before any work (no attempt is counted)."""
    if method not in first_factor_methods(pool, identifier):
        raise error("sign_in_method_unavailable")


def sign_in_code_send(*, pool, identifier: str, attempt: str, ip) -> None:
    """Send a sign-in code to ``identifier`` when it is a verified address of an
    active user of ``pool``, bound to this sign-in ``attempt``. For any other
    identifier nothing is sent and nothing is said (the same page follows), and
    a send refused as too soon is as silent. Rate-limited per client address.
    Raises ValidationError ``hosted_rate_limited`` or
    ``sign_in_method_unavailable`` (the pool sends no such codes)."""
    kind = "sms_code" if identifier.startswith("+") else "email_code"
    method_check(pool, identifier, kind)
    limit = ratelimit.Limit(f"hosted:sign_in_send:{ip}", 20, 3600)
    if ratelimit.hit(limit) > limit.max_events:
        raise error(
            "hosted_rate_limited", wait=wait_words(ratelimit.retry_after(limit))
        )
    found = (
        Identifier.objects.filter(pool=pool, value=identifier, is_verified=True)
        .select_related("user")
        .first()
    )
    if found is None or found.user.status != PoolUser.Status.ACTIVE:
        return
    found.user.pool = pool
    sign_in_code_deliver(pool=pool, user=found.user, to=found, attempt=attempt)


def sign_in_code_deliver(*, pool, user, to, attempt: str) -> None:
    """A sign-in code for ``attempt`` to the Identifier ``to``; a send refused
    as too soon is silent (the earlier code still works)."""
    try:
        with transaction.atomic():
            code_send(
                user=user,
                purpose=Code.Purpose.SIGN_IN,
                identifier=to,
                rules=code_rules_for(pool, Code.Purpose.SIGN_IN),
                template="sign_in_code",
                context={"pool": pool, "workspace": pool.workspace},
                attempt=attempt,
            )
    except ValidationError as exc:
        if exc.code != "code_resend_too_soon":
            raise


def sign_in_code(
    *, pool, identifier: str, attempt: str, code: str, method: str, ip
) -> Outcome:
    """Check a sign-in code sent for this ``attempt``. Raises ValidationError
    ``code_invalid`` (wrong, expired, used, another attempt's, unknown
    identifier alike), ``sign_in_blocked`` or ``sign_in_method_unavailable``
    (the pool's codes of ``method`` are off, or do not fit ``identifier``)."""
    method_check(pool, identifier, method)
    locked, user = _first_factor_start(pool=pool, identifier=identifier, ip=ip)
    failed = {"pool": pool, "identifier": identifier, "ip": ip, "method": method}
    if user is None or user.status != PoolUser.Status.ACTIVE:
        reason = "unknown_identifier" if user is None else f"status_{user.status}"
        raise sign_in_failed(user=user, reason=reason, key="code_invalid", **failed)
    try:
        code_verify(
            user=user, purpose=Code.Purpose.SIGN_IN, secret=code, attempt=attempt
        )
    except ValidationError:
        raise sign_in_failed(
            user=user, reason="bad_code", key="code_invalid", **failed
        ) from None
    return Outcome(user=user, must_change=False, had_failures=locked is not None)


def sign_in_app(*, pool, identifier: str, code: str, ip) -> Outcome:
    """Sign in with a code from the user's authenticator app. Raises
    ValidationError ``sign_in_failed`` (wrong, replayed or throttled code, no
    app, unknown identifier alike), ``sign_in_blocked`` or
    ``sign_in_method_unavailable`` (the pool's app sign-in is off)."""
    method_check(pool, identifier, "totp")
    locked, user = _first_factor_start(pool=pool, identifier=identifier, ip=ip)
    failed = {"pool": pool, "identifier": identifier, "ip": ip, "method": "totp"}
    if user is None or user.status != PoolUser.Status.ACTIVE:
        reason = "unknown_identifier" if user is None else f"status_{user.status}"
        raise sign_in_failed(user=user, reason=reason, **failed)
    try:
        totp_verify(user=user, code=code)
    except ValidationError as exc:
        # Throttled or wrong, the same answer: a throttle only a known user
        # with an app can meet would tell that the account exists.
        reason = "throttled" if exc.code == "totp_throttled" else "bad_code"
        raise sign_in_failed(user=user, reason=reason, **failed) from None
    return Outcome(user=user, must_change=False, had_failures=locked is not None)


def sign_in_passkey_options(*, pool, ip, browser: str):
    """A passkey ceremony to sign in with (usernameless, or after an
    identifier): (challenge id, options as JSON). Raises ValidationError
    ``sign_in_method_unavailable`` (the pool's passkey sign-in is off) or
    ``hosted_rate_limited``."""
    if not sign_in_policy_for(pool).passkey_enabled:
        raise error("sign_in_method_unavailable")
    return passkey_authentication_options(pool=pool, ip=ip, browser=browser)


def sign_in_passkey(
    *, pool, challenge_id, response, ip, browser: str, identifier: str | None
) -> PasskeyUse:
    """Sign in with a passkey: the browser's answer to ``challenge_id``
    (``identifier``: the one typed before, whose user the passkey must be;
    None: usernameless). Raises ValidationError ``sign_in_method_unavailable``
    (the pool's passkey sign-in is off) or the passkey's errors."""
    if identifier is None:
        if not sign_in_policy_for(pool).passkey_enabled:
            raise error("sign_in_method_unavailable")
    else:
        method_check(pool, identifier, "passkey")
    return passkey_authenticate(
        pool=pool,
        challenge_id=challenge_id,
        response=response,
        ip=ip,
        browser=browser,
        identifier=identifier,
    )


def sign_in_record(*, user, method: str, writes=None) -> None:
    """A completed sign-in: the time on the user, the audit event and the day's
    count, as parts of ``writes`` (``core.fastpath.writes.Writes``) when given, else
    written now in one statement (inside the caller's transaction if any)."""
    own = writes is None
    writes = Writes() if own else writes
    writes.update(PoolUser, where={"pk": user.pk}, last_sign_in_at=timezone.now())
    writes.insert(
        audit_row(
            actor=user,
            action="pool_user.signed_in",
            workspace=user.pool.workspace,
            target=user,
            details={"method": method},
        )
    )
    pool_stat_add(pool=user.pool, kind="sign_in", writes=writes)
    if own:
        writes.run()


def sign_in_change_password(
    *, user, password: str, method: str = "password"
) -> PoolUser:
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
    sign_in_record(user=user, method=method)
    return user
