"""Brute-force protection of end users' sign-in: failed attempts per identifier
(known or not, so a block never tells whether an account exists) earn a block that
grows: after ``lockout_failures`` failures, ``lockout_first_seconds``, doubling
with each further failure up to ``lockout_max_seconds`` (the pool's
``SignInPolicy``). A success clears the count; operators can unlock."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ...models import SignInLock


def lock_key(identifier: str) -> str:
    return hashlib.sha256(identifier.encode()).hexdigest()


def lock_wait(*, pool, identifier: str) -> int | None:
    """Seconds until ``identifier`` may try again in ``pool``: 0 when it may now
    after earlier failures, None when it has no failures at all."""
    row = (
        SignInLock.objects.filter(pool=pool, key=lock_key(identifier))
        .values_list("blocked_until")
        .first()
    )
    return lock_seconds(found=row is not None, blocked_until=row and row[0])


def lock_seconds(*, found: bool, blocked_until) -> int | None:
    """``lock_wait``'s answer for a lock row (``found``) blocked until
    ``blocked_until``."""
    if not found:
        return None
    if blocked_until is None:
        return 0
    return max(0, int((blocked_until - timezone.now()).total_seconds()) + 1)


def lock_fail(*, pool, identifier: str, policy) -> int:
    """Count a failed sign-in; returns the seconds of the block it earned (0 when
    none). Under a row lock, so parallel failures all count."""
    key = lock_key(identifier)
    with transaction.atomic():
        lock = SignInLock.objects.select_for_update().filter(pool=pool, key=key).first()
        if lock is None:
            try:
                with transaction.atomic():
                    lock = SignInLock.objects.create(pool=pool, key=key)
            except IntegrityError:
                lock = SignInLock.objects.select_for_update().get(pool=pool, key=key)
        lock.failures += 1
        over = lock.failures - policy.lockout_failures
        seconds = 0
        if over >= 0:
            seconds = min(
                policy.lockout_max_seconds,
                policy.lockout_first_seconds * 2 ** min(over, 20),
            )
            lock.blocked_until = timezone.now() + timedelta(seconds=seconds)
        lock.save(update_fields=["failures", "blocked_until", "updated_at"])
    return seconds


def lock_clear(*, pool, identifier: str) -> bool:
    """Forget the failures of ``identifier`` (a success, or an operator's unlock).
    Returns whether it was blocked."""
    now = timezone.now()
    cleared = SignInLock.objects.filter(pool=pool, key=lock_key(identifier))
    was_blocked = cleared.filter(blocked_until__gt=now).exists()
    cleared.delete()
    return was_blocked


def lock_state(*, pool, identifiers: list[str]) -> dict[str, object]:
    """For each of ``identifiers`` that is blocked now, when the block ends."""
    keys = {lock_key(value): value for value in identifiers}
    return {
        keys[key]: until
        for key, until in SignInLock.objects.filter(
            pool=pool, key__in=list(keys), blocked_until__gt=timezone.now()
        ).values_list("key", "blocked_until")
    }
