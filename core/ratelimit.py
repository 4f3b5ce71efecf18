"""Fixed-window rate limits kept in the database, shared by every server process.

``hit`` counts an event (a failed sign-in, a wrong code) and ``is_limited`` tells
whether a key has reached its limit. Keys are namespaced by the caller
(``"signin:account:<email>"``) so unrelated limits never share a counter.

A bucket whose window has ended is replaced by the next ``hit`` on its key;
``purge_expired_buckets`` deletes the rest (``manage.py purge_expired``, run
from cron), so no request pays for a sweep.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateLimitBucket


@dataclass(frozen=True)
class Limit:
    key: str
    max_events: int
    window_seconds: int


def bucket_key(key: str) -> str:
    # Hash so that keys of any length (email addresses, IPv6) fit and are not stored
    # in clear.
    return hashlib.sha256(key.encode()).hexdigest()


def hit(limit: Limit, *, now: datetime | None = None) -> int:
    """Count one event against ``limit``; returns the count in the current window."""
    now = now or timezone.now()
    key = bucket_key(limit.key)
    ends = now + timedelta(seconds=limit.window_seconds)
    with transaction.atomic():
        updated = RateLimitBucket.objects.filter(
            key=key, window_ends_at__gt=now
        ).update(count=F("count") + 1)
        if not updated:
            RateLimitBucket.objects.filter(key=key, window_ends_at__lte=now).delete()
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(
                        key=key, count=1, window_ends_at=ends
                    )
            except IntegrityError:
                # Another process opened the window at the same moment.
                RateLimitBucket.objects.filter(key=key).update(count=F("count") + 1)
    return count(limit, now=now)


def count(limit: Limit, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    bucket = (
        RateLimitBucket.objects.filter(
            key=bucket_key(limit.key), window_ends_at__gt=now
        )
        .values_list("count", flat=True)
        .first()
    )
    return bucket or 0


def retry_after(limit: Limit, *, now: datetime | None = None) -> int:
    """Seconds until the current window of ``limit`` ends (0 when none is open)."""
    now = now or timezone.now()
    ends = (
        RateLimitBucket.objects.filter(
            key=bucket_key(limit.key), window_ends_at__gt=now
        )
        .values_list("window_ends_at", flat=True)
        .first()
    )
    return max(0, int((ends - now).total_seconds())) if ends else 0


def is_limited(limit: Limit, *, now: datetime | None = None) -> bool:
    return count(limit, now=now) >= limit.max_events


def purge_expired_buckets(*, now: datetime | None = None) -> int:
    """Delete every bucket whose window has ended; returns how many."""
    now = now or timezone.now()
    deleted, _ = RateLimitBucket.objects.filter(window_ends_at__lte=now).delete()
    return deleted
