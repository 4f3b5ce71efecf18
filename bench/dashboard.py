"""Server time and queries of the pool dashboard at 10 million audit events, and the
time of ``backfill_pool_stats`` over them.

    .venv/bin/python bench/dashboard.py [--users 1000000] [--events 10000000]
        [--runs 30] [--warmup 5] [--reuse [--no-backfill]]
        [--database-url postgres://postgres@127.0.0.1:5432/ip_bench_dashboard]

Works on its own PostgreSQL database (the name must contain "bench"; dropped and
created again unless --reuse). Seeds one pool with ``manage.py seed_users``, adds
sign-in, failed sign-in and sign-up audit events for its users with one
``INSERT … SELECT generate_series`` (spread over the last 365 days), fills the
daily counters from them with the backfill (timed), then requests the dashboard
in-process and prints the median and p95 time and the query count. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as users_bench

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ip_bench_dashboard"
TARGET_MS = 100.0
# (share in 100, audit action) of the generated events.
MIX = [
    (75, "pool_user.signed_in"),
    (20, "pool_user.sign_in_failed"),
    (4, "pool_user.signed_up"),
    (1, "pool_user.registered"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the database, its pool and its events; only top them up.",
    )
    parser.add_argument(
        "--no-backfill",
        action="store_true",
        help="With --reuse: keep the counters of the last run (skip the backfill).",
    )
    parser.add_argument("--batch", type=int, default=10_000, help="seed_users --batch.")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def add_events(pool, wanted: int) -> tuple[int, float]:
    """Top the pool's sign-in/sign-up audit events up to ``wanted``: (added,
    seconds). Each event targets one of the pool's users, picked by a
    multiplicative hash of its number."""
    from django.db import connection

    from core.models import AuditEvent
    from identity_pools.stats import ACTION_KINDS, USER_TARGET

    have = AuditEvent.objects.filter(
        workspace_id=pool.workspace_id, action__in=list(ACTION_KINDS)
    ).count()
    missing = wanted - have
    if missing <= 0:
        print(f"The pool has {have:,} events already; not adding.")
        return 0, 0.0
    cases = []
    bound = 0
    for share, action in MIX:
        bound += share
        cases.append(f"WHEN g %% 100 < {bound} THEN '{action}'")
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute(
            "CREATE TEMP TABLE bench_users AS SELECT row_number() OVER () AS rn, id "
            "FROM identity_pools_pooluser WHERE pool_id = %s",
            [pool.pk],
        )
        c.execute("CREATE UNIQUE INDEX ON bench_users (rn)")
        c.execute("ANALYZE bench_users")
        c.execute("SELECT count(*) FROM bench_users")
        users = c.fetchone()[0]
        c.execute(
            f"""
            INSERT INTO core_auditevent (created_at, actor_type, actor_id, actor_label,
                workspace_id, action, target_type, target_id, details, ip_address)
            SELECT now() - (random() * interval '365 days'), 'pool_user', u.id::text,
                   'bench', %s, CASE {" ".join(cases)} END, %s, u.id::text,
                   '{{"method": "password"}}'::jsonb, '192.0.2.1'
            FROM generate_series(%s, %s) AS g
            JOIN bench_users u ON u.rn = 1 + (g::bigint * 2654435761) %% %s
            """,
            [pool.workspace_id, USER_TARGET, have + 1, wanted, users],
        )
        c.execute("DROP TABLE bench_users")
        c.execute("VACUUM ANALYZE core_auditevent")
    return missing, time.perf_counter() - started


def backfill() -> tuple[int, float, float]:
    """(rows, seconds from empty counters, seconds again over full counters)."""
    from identity_pools.models import PoolDailyStat
    from identity_pools.stats import pool_stats_backfill

    PoolDailyStat.objects.all().delete()
    started = time.perf_counter()
    rows = pool_stats_backfill()
    first = time.perf_counter() - started
    started = time.perf_counter()
    pool_stats_backfill()
    again = time.perf_counter() - started
    return rows, first, again


def measure(client, url: str, *, runs: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, sql_ms, counts, slowest = [], [], set(), {}
    for i in range(warmup + runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}.")
        counts.add(len(captured.captured_queries))
        if i >= warmup:
            times.append(elapsed)
            sql_ms.append(
                1000 * sum(float(q["time"]) for q in captured.captured_queries)
            )
            for q in captured.captured_queries:
                key = q["sql"][:60]
                slowest.setdefault(key, []).append(1000 * float(q["time"]))
    return {
        "median": statistics.median(times),
        "p95": percentile(times, 0.95),
        "sql": statistics.median(sql_ms),
        "queries": "/".join(map(str, sorted(counts))),
        "per_query": {k: statistics.median(v) for k, v in slowest.items()},
    }


def explain(pool) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from identity_pools.stats import pool_daily_figures, pool_status_counts

    for name, read in (
        ("users by status", pool_status_counts),
        ("daily figures", pool_daily_figures),
    ):
        with CaptureQueriesContext(connection) as captured:
            read(pool=pool)
        sql = captured.captured_queries[-1]["sql"]
        with connection.cursor() as c:
            c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in c.fetchall())
        print(f"\n== EXPLAIN (ANALYZE, BUFFERS): {name} ==\n{sql}\n\n{plan}")


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    users_bench.prepare_database(args.database_url, reuse=args.reuse)
    users_bench.setup_django(args.database_url)

    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from core.models import AuditEvent

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    users_bench.print_environment(args)
    operator, workspace, pool = users_bench.bench_pool(reuse=args.reuse)
    print(f"\n-- Seeding the pool up to {args.users:,} users --")
    seeded, seed_s = users_bench.top_up(pool, args.users, args.batch)
    print(f"+{seeded:,} users in {seed_s:.0f} s; the pool has {pool.user_count:,}.")

    print(f"\n-- Audit events up to {args.events:,} --")
    added, events_s = add_events(pool, args.events)
    total = AuditEvent.objects.count()
    print(f"+{added:,} events in {events_s:.0f} s; {total:,} audit events in all.")

    if args.no_backfill and args.reuse:
        print("\n-- Counters kept from the last run (--no-backfill) --")
    else:
        print("\n-- Backfill of the daily counters (manage.py backfill_pool_stats) --")
        rows, first_s, again_s = backfill()
        print(
            f"{rows:,} counters from {total:,} events: {first_s:.1f} s from empty, "
            f"{again_s:.1f} s again over full counters."
        )

    client = Client()
    client.force_login(operator)
    url = reverse("identity_pools:pool_dashboard", args=[workspace.slug, pool.pk])
    load = os.getloadavg()[0]
    result = measure(client, url, runs=args.runs, warmup=args.warmup)
    print(
        f"\n== Pool dashboard: {pool.user_count:,} users, {total:,} audit events "
        f"({args.runs} runs after {args.warmup} warm-up; load average {load:.2f}) =="
    )
    print(f"{'median ms':>10} {'p95 ms':>8} {'SQL ms':>7} {'queries':>8}")
    print(
        f"{result['median']:>10.1f} {result['p95']:>8.1f} {result['sql']:>7.1f} "
        f"{result['queries']:>8}"
    )
    print("Median ms of each query:")
    for sql, ms in sorted(result["per_query"].items(), key=lambda kv: -kv[1]):
        print(f"  {ms:7.2f}  {sql}")
    explain(pool)
    ok = result["median"] < TARGET_MS and "/" not in result["queries"]
    print(
        f"\n{'PASS' if ok else 'FAIL'}: median < {TARGET_MS:.0f} ms at "
        f"{total:,} audit events and {pool.user_count:,} users, one query count."
    )
    print(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
