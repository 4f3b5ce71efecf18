"""``manage.py backfill_pool_stats [--pool POOL_ID] [--since YYYY-MM-DD]``: the
pool dashboards' daily counters (sign-ups, sign-ins, failed sign-ins) from the
audit trail, for installations that had events before the counters existed.

Safe to run again and while users sign in: each counter becomes the larger of
what it holds and what the audit events say (``identity_pools.stats``).
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from identity_pools.stats import pool_stats_backfill

from .import_users import pool_by_id


class Command(BaseCommand):
    help = (
        "Fill the pool dashboards' daily counters from the audit events "
        "(every pool, or --pool; every day, or from --since)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pool", help="Only this pool (its id, a UUID).")
        parser.add_argument(
            "--since", help="Only days from this date (YYYY-MM-DD, in TIME_ZONE)."
        )

    def handle(self, *, pool, since, **options) -> None:
        target = pool_by_id(pool) if pool else None
        day = None
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError as exc:
                raise CommandError(f"--since {since!r} is not a date.") from exc
        started = time.perf_counter()
        rows = pool_stats_backfill(pool=target, since=day)
        self.stdout.write(
            f"{rows:,} daily counters written in {time.perf_counter() - started:.1f} s."
        )
