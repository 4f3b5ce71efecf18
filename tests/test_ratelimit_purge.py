"""Expired rate-limit windows are deleted by ``manage.py purge_expired``, never
by a request (a random sweep made the query counts of a request vary)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import ratelimit
from core.models import RateLimitBucket

pytestmark = pytest.mark.django_db


def _bucket(name: str, *, ends_in: timedelta) -> RateLimitBucket:
    return RateLimitBucket.objects.create(
        key=ratelimit.bucket_key(name), count=3, window_ends_at=timezone.now() + ends_in
    )


def test_purge_expired_deletes_ended_windows_and_keeps_open_ones():
    ended = _bucket("test:ended", ends_in=-timedelta(seconds=1))
    long_ended = _bucket("test:long-ended", ends_in=-timedelta(days=3))
    open_ = _bucket("test:open", ends_in=timedelta(minutes=5))
    out = StringIO()

    call_command("purge_expired", stdout=out)

    assert not RateLimitBucket.objects.filter(pk__in=[ended.pk, long_ended.pk]).exists()
    assert RateLimitBucket.objects.get(pk=open_.pk).count == 3
    assert "2 rate-limit windows" in out.getvalue()


def test_purge_expired_buckets_counts_what_it_deleted():
    _bucket("test:ended", ends_in=-timedelta(seconds=1))
    _bucket("test:open", ends_in=timedelta(minutes=5))

    assert ratelimit.purge_expired_buckets() == 1
    assert ratelimit.purge_expired_buckets() == 0


def test_hit_never_sweeps_other_keys_windows():
    """Each hit touches its own key only: another key's ended window stays until
    the purge (a 1% random sweep would have deleted it within 300 hits, bar a 5%
    chance)."""
    ended = _bucket("test:ended", ends_in=-timedelta(seconds=1))
    limit = ratelimit.Limit("test:busy", max_events=1000, window_seconds=60)

    for _ in range(300):
        ratelimit.hit(limit)

    assert RateLimitBucket.objects.filter(pk=ended.pk).exists()
    assert ratelimit.count(limit) == 300
