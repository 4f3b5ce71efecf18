"""A pool's figures for its dashboard: users by status, and sign-ups, sign-ins and
failed sign-ins per day, counted where they happen.

Daily counts live in ``PoolDailyStat`` (one row per pool, day and kind), so the
dashboard reads at most 3 × 30 rows whatever the size of the audit trail. Days
are calendar days in ``settings.TIME_ZONE`` (the installation's), for the live
counters, the backfill and the dashboard alike.

What counts:

- sign-up: a user registered themselves: self-registration (``signup_start``
  created the account, audit ``pool_user.signed_up``) or an accepted invitation
  (audit ``pool_user.registered``). Users created by operators, the API or an
  import are not sign-ups; they show in the users by status.
- sign-in: a completed sign-in (``sign_in_record``, audit ``pool_user.signed_in``).
- failed sign-in: ``sign_in_failed`` (audit ``pool_user.sign_in_failed``), also
  for identifiers the pool does not know.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.fastpath.sql import execute, execute_many
from core.models import AuditEvent

from .models import IdentityPool, PoolDailyStat, PoolStatusCount, PoolUser

Kind = PoolDailyStat.Kind
DASHBOARD_DAYS = 30
# Audit actions → the kind of figure they count (what the backfill reads).
ACTION_KINDS = {
    "pool_user.signed_up": Kind.SIGN_UP,
    "pool_user.registered": Kind.SIGN_UP,
    "pool_user.signed_in": Kind.SIGN_IN,
    "pool_user.sign_in_failed": Kind.SIGN_IN_FAILED,
}
USER_TARGET = "identity_pools.pooluser"


def stats_today() -> dt.date:
    """Today in the installation's time zone (the day counters are kept by)."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _upsert_sql(merge: str) -> str:
    """The upsert of one (pool id, day, kind, count) row: a row that exists gets
    ``count`` added (``merge="add"``) or becomes the larger of the two
    (``merge="max"``). Atomic in the database: concurrent callers never lose an
    increment nor create two rows (PostgreSQL and SQLite ≥ 3.24)."""
    table = connection.ops.quote_name(PoolDailyStat._meta.db_table)
    if merge == "add":
        new = f"{table}.count + EXCLUDED.count"
    else:
        larger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
        new = f"{larger}({table}.count, EXCLUDED.count)"
    # Table names and constants only; the values are parameters.
    return f"""INSERT INTO {table} (pool_id, day, kind, count) VALUES (%s, %s, %s, %s)
        ON CONFLICT (pool_id, day, kind) DO UPDATE SET count = {new}"""  # noqa: S608


def _params(pool_id, day: dt.date, kind: str, count: int) -> tuple:
    return (
        PoolDailyStat._meta.get_field("pool").get_db_prep_value(pool_id, connection),
        connection.ops.adapt_datefield_value(day),
        kind,
        count,
    )


def _upsert(rows: Iterable[tuple[object, dt.date, str, int]], *, merge: str) -> None:
    """Upsert (pool id, day, kind, count) rows (``_upsert_sql``), one statement
    per row."""
    execute_many(_upsert_sql(merge), [_params(*row) for row in rows])


def pool_stat_add(
    *, pool: IdentityPool, kind: str, at: dt.datetime | None = None, writes=None
) -> None:
    """Count one ``kind`` event (a ``PoolDailyStat.Kind``) in ``pool`` on the day
    of ``at`` (default: now). Call it inside the transaction that records the
    event, so that both land or neither does, or give that change's ``writes``
    (``core.fastpath.writes.Writes``) to join them. The row stays locked until that
    transaction ends: keep it short (concurrent events of the pool wait there)."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown pool figure {kind!r}.")
    day = timezone.localdate(at, timezone=timezone.get_default_timezone())
    if writes is not None:
        writes.sql(_upsert_sql("add"), _params(pool.pk, day, kind, 1))
        return
    _upsert([(pool.pk, day, kind, 1)], merge="add")


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyFigures:
    """``days`` oldest first, ending today; ``series[kind]`` the count of each day
    (0 for days without a row)."""

    days: list[dt.date]
    series: dict[str, list[int]]

    def rows(self) -> list[tuple[dt.date, list[int]]]:
        """(day, [count of each kind in ``Kind`` order]), oldest first."""
        return [
            (day, [self.series[kind][i] for kind in Kind.values])
            for i, day in enumerate(self.days)
        ]


@dataclass(frozen=True)
class StatusCounts:
    """Users of the pool by status, in ``PoolUser.Status`` order."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def pool_daily_figures(
    *, pool: IdentityPool, days: int = DASHBOARD_DAYS, today: dt.date | None = None
) -> DailyFigures:
    """The last ``days`` days of ``pool`` (today included): one query over the
    (pool, day, kind) unique index. Assumes ``pool`` came through ``pool_access``."""
    today = today or stats_today()
    start = today - dt.timedelta(days=days - 1)
    span = [start + dt.timedelta(days=i) for i in range(days)]
    series = {kind: [0] * days for kind in Kind.values}
    rows = PoolDailyStat.objects.filter(
        pool=pool, day__gte=start, day__lte=today
    ).values_list("day", "kind", "count")
    for day, kind, count in rows:
        if kind in series:
            series[kind][(day - start).days] = count
    return DailyFigures(days=span, series=series)


def pool_status_counts(*, pool: IdentityPool) -> StatusCounts:
    """How many users ``pool`` has in each status: the counters the database
    keeps (``PoolStatusCount``, by triggers on PostgreSQL and on SQLite:
    migrations 0018 and 0021), three rows at any pool size (counting took
    75 ms at 10 million users on PostgreSQL)."""
    kept = dict(
        PoolStatusCount.objects.filter(pool=pool).values_list("status", "count")
    )
    return StatusCounts({s: max(0, kept.get(s, 0)) for s in PoolUser.Status.values})


# --- backfill -------------------------------------------------------------------------


def pool_stats_backfill(
    *, pool: IdentityPool | None = None, since: dt.date | None = None
) -> int:
    """Fill the daily counters of ``pool`` (or of every pool) from the audit trail,
    for the days from ``since`` (default: all of them). Returns the number of
    (pool, day, kind) rows written.

    Each counter becomes the larger of what it holds and what the audit events
    say: running it again changes nothing, it never lowers what live counting
    found, and a day that was counted live only in part (the day of the upgrade)
    gets its whole count. Events are attributed to a pool through their target
    user, so events of users deleted since, and failed sign-ins with identifiers
    the pool did not know, are not backfilled (live counting has them).
    """
    if connection.vendor == "postgresql":
        return _backfill_postgresql(pool=pool, since=since)
    return _backfill_generic(pool=pool, since=since)


def _since_start(since: dt.date | None) -> dt.datetime | None:
    if since is None:
        return None
    midnight = dt.datetime.combine(since, dt.time())
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def _backfill_postgresql(*, pool, since) -> int:
    """One INSERT … SELECT: the events joined to their users by id, grouped by
    pool, local day and kind, merged into the counters."""
    table = connection.ops.quote_name(PoolDailyStat._meta.db_table)
    kind_case = " ".join(
        f"WHEN '{action}' THEN '{kind}'" for action, kind in ACTION_KINDS.items()
    )
    where = ["e.action = ANY(%s)", "e.target_type = %s"]
    params: list[object] = [settings.TIME_ZONE, list(ACTION_KINDS), USER_TARGET]
    if pool is not None:
        where += ["e.workspace_id = %s", "u.pool_id = %s"]
        params += [pool.workspace_id, pool.pk]
    start = _since_start(since)
    if start is not None:
        where.append("e.created_at >= %s")
        params.append(start)
    sql = f"""
        INSERT INTO {table} (pool_id, day, kind, count)
        SELECT u.pool_id, (e.created_at AT TIME ZONE %s)::date AS day,
               CASE e.action {kind_case} END AS kind, count(*)
        FROM {AuditEvent._meta.db_table} e
        JOIN {PoolUser._meta.db_table} u
          ON u.id = CASE WHEN e.target_id ~ '^[0-9a-f-]{{36}}$'
                         THEN e.target_id::uuid END
        WHERE {" AND ".join(where)}
        GROUP BY 1, 2, 3
        ON CONFLICT (pool_id, day, kind)
        DO UPDATE SET count = GREATEST({table}.count, EXCLUDED.count)
    """  # noqa: S608 (table names and constants; the values are parameters)
    with transaction.atomic():
        return execute(sql, params)


def _backfill_generic(*, pool, since) -> int:
    """The same, computed in Python (SQLite: the quick-start database, small)."""
    events = AuditEvent.objects.filter(
        action__in=list(ACTION_KINDS), target_type=USER_TARGET
    )
    if pool is not None:
        events = events.filter(workspace_id=pool.workspace_id)
    start = _since_start(since)
    if start is not None:
        events = events.filter(created_at__gte=start)
    zone = timezone.get_default_timezone()
    counts: dict[tuple[str, dt.date, str], int] = {}
    for at, action, target in events.values_list(
        "created_at", "action", "target_id"
    ).iterator(chunk_size=5000):
        key = (target, timezone.localdate(at, timezone=zone), ACTION_KINDS[action])
        counts[key] = counts.get(key, 0) + 1
    users = PoolUser.objects.all() if pool is None else PoolUser.objects.for_pool(pool)
    ids = sorted({target for target, _, _ in counts})
    pools: dict[str, object] = {}
    for i in range(0, len(ids), 500):
        chunk = users.filter(pk__in=[t for t in ids[i : i + 500] if _is_uuid(t)])
        pools.update(
            (str(pk), pool_id) for pk, pool_id in chunk.values_list("pk", "pool_id")
        )
    merged: dict[tuple[object, dt.date, str], int] = {}
    for (target, day, kind), n in counts.items():
        if target in pools:
            key = (pools[target], day, kind)
            merged[key] = merged.get(key, 0) + n
    with transaction.atomic():
        _upsert(((*key, n) for key, n in merged.items()), merge="max")
    return len(merged)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
