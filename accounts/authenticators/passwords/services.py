"""Pool users' passwords: set (keeping the earlier hashes for the policy's
history rule), check at sign-in, upgrade, require a change. The hashes are the
directory's (``identity_pools.credentials``); besides this module only the
directory's writes of new users touch them (Create User, sign-up, the import).

The hash is Django's encoded form (Argon2id for passwords set here; imported
hashes of other algorithms are kept as they are and upgraded at the next
successful sign-in). Which passwords are acceptable is the pool's policy
(``identity_pools.policies.passwords``), checked by the caller: for an existing
user with ``user_password_check``, which adds the policy's history rule.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from functools import lru_cache

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.catalogue import error
from core.password_hashes import hash_cost, hash_shape, is_own_hash
from identity_pools.credentials import (
    PasswordCredential,
    PasswordHistory,
    password_credential_of,
)
from identity_pools.policies.passwords import password_policy_for, pool_password_check


def password_set(*, user, raw_password: str, must_change: bool = False):
    """Set (or replace) ``user``'s password. With ``must_change`` the user must
    choose a new one at the next sign-in. Call it inside the caller's transaction;
    returns the PasswordCredential."""
    previous = password_credential_of(user)
    if previous is not None:
        PasswordHistory.objects.create(user=user, password=previous.password)
        stale = PasswordHistory.objects.filter(user=user).order_by("-created_at")[
            HISTORY_KEPT:
        ]
        PasswordHistory.objects.filter(
            pk__in=list(stale.values_list("pk", flat=True))
        ).delete()
    credential, _created = PasswordCredential.objects.update_or_create(
        user=user,
        defaults={
            "password": make_password(raw_password),
            "state": PasswordCredential.State.MUST_CHANGE
            if must_change
            else PasswordCredential.State.VALID,
            "changed_at": timezone.now(),
        },
    )
    return credential


def password_require_change(*, user) -> bool:
    """The user must choose a new password at the next sign-in. Returns False when
    the user has no password."""
    return bool(
        PasswordCredential.objects.filter(user=user).update(
            state=PasswordCredential.State.MUST_CHANGE
        )
    )


HISTORY_KEPT = 24  # the largest history a pool's policy can ask for


def password_was_used(*, user, raw_password: str, last: int) -> bool:
    """Whether ``raw_password`` is ``user``'s current password or one of the
    earlier ones, ``last`` in all."""
    hashes = []
    current = password_credential_of(user)
    if current is not None:
        hashes.append(current.password)
    hashes += list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at")
        .values_list("password", flat=True)[: max(0, last - len(hashes))]
    )
    return any(check_password(raw_password, encoded) for encoded in hashes)


def new_password_check(
    *,
    pool,
    password: str,
    identifiers: list[str],
    user_data: dict | None = None,
    user=None,
    field: str | None = None,
) -> None:
    """The pool's check of a new password (``pool_password_check``: the
    policy, with the user's identifiers and names) and, for an existing
    ``user``, the policy's history rule: not their current password nor one of
    the last ``history_count``. Raises ValidationError listing every rule it
    breaks (on ``field`` when given)."""
    errors: list[ValidationError] = []
    try:
        pool_password_check(
            pool=pool, password=password, identifiers=identifiers, user_data=user_data
        )
    except ValidationError as exc:
        errors.extend(exc.error_list)
    last = password_policy_for(pool).history_count
    if (
        user is not None
        and last
        and password_was_used(user=user, raw_password=password, last=last)
    ):
        errors.append(error("password_reused", count=last))
    if errors:
        raise ValidationError({field: errors} if field else errors)


def user_password_check(*, user, password: str) -> None:
    """``new_password_check`` of a new password for an existing ``user`` (their
    identifiers, names and history). Raises ValidationError on "password"."""
    new_password_check(
        pool=user.pool,
        password=password,
        identifiers=list(user.identifiers.values_list("value", flat=True)),
        user_data=user.user_data,
        user=user,
        field="password",
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password("a password no account has, for equal timing")


def password_verify(
    *, user, raw_password: str, preloaded: bool = False
) -> PasswordCredential | None:
    """``user``'s credential when ``raw_password`` is their password, else None.
    A hash of another algorithm (imported) or older parameters is upgraded to
    the preferred one (Argon2id at OWASP's parameters) on success, keeping its
    state and date. Assumes ``user.pool`` is loaded (with its password policy,
    as the hosted pages load it).

    Every answer of a pool costs the same, known, unknown or imported
    (``identity_pools.hash_limits``): our own hash's work, plus the pool's
    costliest imported hash's (its dummy, checked for anyone without such a
    hash; the check of a cheaper imported hash is padded to its time). A stored
    hash costlier than the pool's limit is never checked: the answer is "wrong
    password", and its user resets the password."""
    if preloaded:  # loaded with the user: select_related("password_credential")
        credential = user._state.fields_cache.get("password_credential")
    else:
        credential = password_credential_of(user)
    pool = user.pool
    if credential is None:
        password_verify_nobody(raw_password, pool=pool)
        return None
    encoded = credential.password
    if is_own_hash(encoded):
        ok = check_password(raw_password, encoded)
        _dummy_check(pool, raw_password)
        return credential if ok else None
    if hash_cost(encoded) > password_policy_for(pool).imported_hash_max_cost:
        password_verify_nobody(raw_password, pool=pool)
        return None

    def upgrade(raw: str) -> None:
        PasswordCredential.objects.filter(pk=credential.pk).update(
            password=make_password(raw)
        )

    started = time.perf_counter()
    ok = check_password(raw_password, encoded, setter=upgrade)
    took = time.perf_counter() - started
    check_password(raw_password, _dummy_hash())  # our own hash's work
    if ok:  # no need to hide a right password's time from its owner
        return credential
    dummy = pool_dummy(pool)
    if dummy and hash_shape(dummy) != hash_shape(encoded):
        time.sleep(max(0.0, _dummy_seconds(dummy, raw_password) - took))
    return None


def password_verify_nobody(raw_password: str, *, pool) -> None:
    """The work of a sign-in that has no password to check (unknown identifier,
    inactive user, a hash above the pool's limit), so that it takes as long as
    a real one: our own hash, and the pool's dummy."""
    check_password(raw_password, _dummy_hash())
    _dummy_check(pool, raw_password)


def pool_dummy(pool) -> str:
    """The pool's dummy hash, unless its limit has come down below it."""
    dummy = pool.imported_hash_dummy
    if dummy and hash_cost(dummy) > password_policy_for(pool).imported_hash_max_cost:
        return ""
    return dummy


# How long a check against each pool's dummy takes in this process: its latest
# times (a check of a cheaper imported hash is padded to their median, which
# follows the machine's load as the checks themselves do).
_DUMMY_TIMES: dict[str, deque[float]] = {}
_TIMES_KEPT = 15


def _dummy_check(pool, raw_password: str) -> None:
    dummy = pool_dummy(pool)
    if dummy:
        _dummy_seconds(dummy, raw_password, fresh=True)


def _dummy_seconds(dummy: str, raw_password: str, *, fresh: bool = False) -> float:
    """How long a check against ``dummy`` takes: the median of its latest
    times. Checks it (``fresh``, or when this process has no time for it yet)."""
    times = _DUMMY_TIMES.get(dummy)
    if times is None or fresh:
        started = time.perf_counter()
        check_password(raw_password, dummy)
        took = time.perf_counter() - started
        if times is None:
            if len(_DUMMY_TIMES) >= 1000:
                _DUMMY_TIMES.clear()
            times = _DUMMY_TIMES[dummy] = deque(maxlen=_TIMES_KEPT)
        times.append(took)
    return statistics.median(times)
