"""Server time and query counts of the users pages at growing pool sizes.

    .venv/bin/python bench/run.py [--sizes 10,10000,100000,1000000] [--runs 30]
        [--database-url postgres://postgres@127.0.0.1:5432/identity_pools_bench]
        [--explain] [--reuse] [--gc tuned|default|both]

Works on its own PostgreSQL database (whose name must contain "bench"; it is dropped
and created again unless --reuse), never on the one in DATABASE_URL. Seeds one pool
with ``manage.py seed_users`` up to each size, then requests each page in-process
with Django's test client and prints the median and p95 time and the number of SQL
queries. ``--gc`` measures with the garbage collector as gunicorn runs it
(core/gc_tuning.py), as Python leaves it, or both. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import math
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/identity_pools_bench"
DEFAULT_SIZES = "10,10000,100000,1000000"
TARGET_MS = 100.0
P95_RATIO = 2  # the p95 at most this many times the median (tuned collector)
DEFAULT_GC = gc.get_threshold()
BENCH_SLUG_PREFIX = "bench-"

# (key, title) of the pages measured, in the order printed.
PAGES = [
    ("list", "users list"),
    ("prefix", "identifier prefix"),
    ("name", "name search"),
    ("both", "identifier or name"),
    ("status", "status=inactive"),
    ("group", "group members"),
    ("page2", "users list, page 2"),
]


@dataclass
class Result:
    page: str
    times_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    rows: int = 0
    matches: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def ratio(self) -> float:
        return self.p95 / self.median

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms)

    @property
    def query_count(self) -> str:
        return "/".join(str(n) for n in sorted(self.queries))


@dataclass
class SizeRun:
    size: int
    seed_seconds: float = 0.0
    seeded: int = 0
    results: dict[str, Result] = field(default_factory=dict)
    searched: str = ""
    load: float = 0.0
    gc: str = "tuned"
    frozen: int = 0
    pauses: dict[int, list[float]] = field(default_factory=dict)  # gen → ms each


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"Pool sizes to measure, increasing (default {DEFAULT_SIZES}).",
    )
    parser.add_argument(
        "--runs", type=int, default=30, help="Timed requests per page (default 30)."
    )
    parser.add_argument(
        "--warmup", type=int, default=5, help="Untimed requests first (default 5)."
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="Print EXPLAIN (ANALYZE, BUFFERS) of each page's users query at the "
        "largest size.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the database and the last bench pool, and only top it up.",
    )
    parser.add_argument(
        "--prefix",
        default="sarah",
        help="Identifier prefix searched (emails are first.last<n>@…); default sarah.",
    )
    parser.add_argument(
        "--name", default="garcia", help="Name searched (contains); default garcia."
    )
    parser.add_argument("--batch", type=int, default=10_000, help="seed_users --batch.")
    # The collector as gunicorn runs it (core/gc_tuning.py), Python's own, or both.
    parser.add_argument("--gc", default="tuned", choices=["tuned", "default", "both"])
    args = parser.parse_args()
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    except ValueError:
        parser.error("--sizes: comma-separated numbers, e.g. 10000,100000,1000000.")
    if not args.sizes or args.sizes != sorted(set(args.sizes)) or args.sizes[0] < 1:
        parser.error("--sizes must be positive and increasing, e.g. 10000,100000.")
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0.")
    return args


# --- the database -------------------------------------------------------------------


def prepare_database(url: str, *, reuse: bool) -> None:
    """Create the bench database (dropping an earlier one unless ``reuse``)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"--database-url must be a PostgreSQL URL, not {url!r}.")
    if "bench" not in name:
        sys.exit(
            f"Refusing database {name!r}: the benchmark drops and fills its database, "
            "so its name must contain 'bench' (e.g. identity_pools_bench)."
        )
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and not reuse:
            print(f"Dropping the earlier database {name!r}.")
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            exists = None
        if not exists:
            print(f"Creating database {name!r}.")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    # Measure what production runs: no debug templates or query log, and one
    # persistent connection (not a new one per request).
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_CONN_MAX_AGE"] = "3600"
    sys.path.insert(0, str(ROOT))
    import django

    # Whitenoise warns that collectstatic has not run; static files are not measured.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


# --- the pool -----------------------------------------------------------------------


def bench_pool(*, reuse: bool):
    """(operator, workspace, pool): the latest bench pool when ``reuse``, else new."""
    from accounts.models import Operator
    from identity_pools.models import IdentityPool
    from identity_pools.services.pools import pool_create
    from workspaces.models import Membership, Role, Workspace

    if reuse:  # the largest bench pool (bench/pools.py adds small ones)
        pool = (
            IdentityPool.objects.filter(workspace__slug__startswith=BENCH_SLUG_PREFIX)
            .select_related("workspace")
            .order_by("-user_count")
            .first()
        )
        if pool is not None:
            workspace = pool.workspace
            membership = workspace.memberships.select_related("operator").first()
            if membership:
                print(f"Reusing pool {pool.pk} ({pool.user_count:,} users).")
                return membership.operator, workspace, pool
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    workspace = Workspace(name=f"Bench {stamp}", slug=f"{BENCH_SLUG_PREFIX}{stamp}")
    workspace.full_clean()
    workspace.save()
    operator = Operator.objects.create_user(email=f"owner@{workspace.slug}.example")
    Membership.objects.create(operator=operator, workspace=workspace, role=Role.OWNER)
    pool = pool_create(workspace=workspace, actor=operator, name="Bench customers")
    return operator, workspace, pool


def top_up(pool, size: int, batch: int) -> tuple[int, float]:
    """Seed ``pool`` up to ``size`` users; (users added, seconds)."""
    from django.core.management import call_command

    pool.refresh_from_db()
    missing = size - pool.user_count
    if missing <= 0:
        print(f"The pool has {pool.user_count:,} users already; not seeding.")
        return 0, 0.0
    started = time.perf_counter()
    call_command(
        "seed_users", pool=str(pool.pk), count=missing, batch=batch, stdout=sys.stdout
    )
    seconds = time.perf_counter() - started
    vacuum()
    pool.refresh_from_db()
    return missing, seconds


def vacuum() -> None:
    """VACUUM ANALYZE the seeded tables, as autovacuum would soon after a bulk load
    (sets the visibility map, empties the trigram index's pending list), so that it
    does not start in the middle of the measurements."""
    from django.db import connection

    from identity_pools.models import Group, GroupMembership, Identifier, PoolUser

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (PoolUser, Identifier, GroupMembership, Group):
            cursor.execute(
                f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
            )
    print(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


# --- the measurements ---------------------------------------------------------------


def page_requests(workspace, pool, *, prefix: str, name: str) -> dict[str, tuple]:
    """page key → (url, GET params, UserFilter, cursor) for this pool.

    A search that finds nobody shows an empty page, on which Django skips the
    identifiers query; so when ``prefix`` or ``name`` finds nobody (a pool of a
    few users), the newest user's email prefix or family name is searched instead.
    """
    from django.urls import reverse

    from identity_pools.models import Group
    from identity_pools.selectors import UserFilter, pool_user_list

    users_url = reverse("identity_pools:pool_user_list", args=[workspace.slug, pool.pk])
    group = Group.objects.for_pool(pool).order_by("-member_count", "name").first()
    if group is None:
        sys.exit("The bench pool has no group; seed_users should have made some.")
    group_url = reverse(
        "identity_pools:group_detail", args=[workspace.slug, pool.pk, group.pk]
    )
    first = pool_user_list(pool=pool, filters=UserFilter(), cursor=None)
    if first.items:
        newest = first.items[0]
        if not pool_user_list(
            pool=pool, filters=UserFilter(q=prefix, by="identifier"), cursor=None
        ).items:
            prefix = newest.identifiers.all()[0].value[:5]
        if not pool_user_list(
            pool=pool, filters=UserFilter(q=name, by="name"), cursor=None
        ).items:
            name = newest.user_data["family_name"].lower()
    # With fewer users than a page there is no next page; "after" the last user
    # then gives an empty page.
    after = first.next_cursor or (str(first.items[-1].pk) if first.items else "")
    return {
        "list": (users_url, {}, UserFilter(), None),
        "prefix": (
            users_url,
            {"q": prefix, "by": "identifier"},
            UserFilter(q=prefix, by="identifier"),
            None,
        ),
        "name": (
            users_url,
            {"q": name, "by": "name"},
            UserFilter(q=name, by="name"),
            None,
        ),
        "both": (users_url, {"q": prefix}, UserFilter(q=prefix), None),
        "status": (
            users_url,
            {"status": "inactive"},
            UserFilter(status="inactive"),
            None,
        ),
        "group": (group_url, {}, UserFilter(group=group), None),
        "page2": (users_url, {"after": after}, UserFilter(), after),
    }


def matches(pool, key: str, filters) -> int | None:
    """How many users the page's filter matches in all (context for the timings;
    counted outside the timed requests)."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Lower

    from identity_pools.identifiers import identifier_search_prefix
    from identity_pools.models import GroupMembership, Identifier, PoolUser

    users = PoolUser.objects.for_pool(pool)
    if key == "prefix":
        prefix = identifier_search_prefix(filters.q)
        return users.filter(
            Exists(
                Identifier.objects.filter(
                    pool=pool, user=OuterRef("pk"), value__startswith=prefix
                )
            )
        ).count()
    if key == "name":
        return (
            users.alias(n=Lower("display_name"))
            .filter(n__contains=filters.q.lower())
            .count()
        )
    if key == "status":
        return users.filter(status=filters.status).count()
    if key == "group":
        return GroupMembership.objects.filter(group=filters.group).count()
    return None


def measure(client, pool, specs, run: SizeRun, *, runs: int, warmup: int) -> None:
    """Request every page ``warmup`` times, then ``runs`` rounds of one request per
    page (interleaved, so a burst of load elsewhere hits all pages alike); the
    results and the collector's pauses during the timed rounds go into ``run``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from identity_pools.selectors import pool_user_list

    results = run.results = {key: Result(key) for key, _ in PAGES}
    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            ms = (time.perf_counter() - gc_started[0]) * 1000
            run.pauses.setdefault(info["generation"], []).append(ms)

    for i in range(warmup + runs):
        if i == warmup:
            gc.callbacks.append(on_gc)
        for key, _ in PAGES:
            url, params, _, _ = specs[key]
            connection.queries_log.clear()  # it keeps 9,000, then captures none
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, params)
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"{key}: {url} {params} answered {response.status_code}.")
            result = results[key]
            result.queries.add(len(captured.captured_queries))
            if i >= warmup:
                result.times_ms.append(elapsed)
                result.sql_ms.append(
                    1000 * sum(float(q["time"]) for q in captured.captured_queries)
                )
    gc.callbacks.remove(on_gc)
    for key, result in results.items():
        _, _, filters, cursor = specs[key]
        page = pool_user_list(pool=pool, filters=filters, cursor=cursor)
        result.rows = len(page.items)
        result.matches = matches(pool, key, filters)


def explain(client, spec) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the users query a page runs (the one with the
    page's LIMIT), as captured from a real request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from identity_pools.models import PoolUser
    from identity_pools.selectors import PAGE_SIZE

    url, params, _, _ = spec
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    table = connection.ops.quote_name(PoolUser._meta.db_table)
    sql = next(
        (
            q["sql"]
            for q in captured.captured_queries
            if f"FROM {table}" in q["sql"] and f"LIMIT {PAGE_SIZE + 1}" in q["sql"]
        ),
        None,
    )
    if sql is None:
        return "(no users query found)"
    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in c.fetchall())
    return f"{sql}\n\n{plan}"


# --- printing -----------------------------------------------------------------------


def print_size(run: SizeRun, args) -> None:
    runs = f"{args.runs} runs after {args.warmup} warm-up"
    print(f"\n== {run.size:,} users, gc {run.gc} ({runs}) ==")
    print(f"Searched: {run.searched}.")
    print(
        f"Load average {run.load:.2f} before measuring "
        f"({os.cpu_count()} = every CPU busy)."
    )
    print(
        f"{'page':<20} {'median ms':>10} {'p95 ms':>8} {'p95/med':>7} "
        f"{'SQL ms':>7} {'queries':>8} {'rows':>5} {'matches':>10}"
    )
    for key, title in PAGES:
        r = run.results[key]
        found = f"{r.matches:,}" if r.matches is not None else "-"
        print(
            f"{title:<20} {r.median:>10.1f} {r.p95:>8.1f} {r.ratio:>7.2f} "
            f"{r.sql_median:>7.1f} {r.query_count:>8} {r.rows:>5} {found:>10}"
        )
    print(
        "(SQL ms: median time of the page's queries as Django saw them; the rest is "
        "Python: middleware, view, template.)"
    )
    print(f"Collector: thresholds {gc.get_threshold()}, {run.frozen:,} frozen objects.")
    for gen, pauses in sorted(run.pauses.items()):
        print(
            f"  generation {gen}: {len(pauses)} collections in the timed requests, "
            f"median {statistics.median(pauses):.2f} ms, max {max(pauses):.2f} ms"
        )


def print_summary(runs: list[SizeRun], args) -> bool:
    width = 29
    print("\n== Summary: median ms / p95 ms (p95/median) / queries ==")
    header = f"{'page':<20}" + "".join(
        f" | {f'{r.size:,} users, gc {r.gc}':^{width}}" for r in runs
    )
    print(header)
    print("-" * len(header))
    for key, title in PAGES:
        cells = []
        for r in runs:
            res = r.results[key]
            text = f"{res.median:.1f} / {res.p95:.1f} ({res.ratio:.1f}×) / "
            text += res.query_count
            if res.rows == 0:
                text += " (empty)"
            cells.append(f" | {text:^{width}}")
        print(f"{title:<20}" + "".join(cells))
    seeded = [r for r in runs if r.seeded]
    if seeded:
        total = sum(r.seeded for r in seeded)
        seconds = sum(r.seed_seconds for r in seeded)
        print(
            "\nSeeding: "
            + ", ".join(
                f"+{r.seeded:,} in {r.seed_seconds:.0f} s "
                f"({r.seeded / r.seed_seconds:,.0f} users/s)"
                for r in seeded
            )
            + f"; overall {total / seconds:,.0f} users/s."
        )

    largest = runs[-1]
    last = [r for r in runs if r.size == largest.size]
    slow = [t for k, t in PAGES if any(r.results[k].median >= TARGET_MS for r in last)]
    # The p95 target holds for the collector as production runs it (tuned).
    tuned = [r.results[k] for r in last if r.gc == "tuned" for k, _ in PAGES]
    spiky = [
        f"{dict(PAGES)[r.page]} ({r.ratio:.1f}×)" for r in tuned if r.ratio > P95_RATIO
    ]
    # An empty page skips the identifiers prefetch (one query fewer), so only
    # pages that showed users are compared.
    uneven = []
    for key, title in PAGES:
        counts = {
            n for r in runs if r.results[key].rows for n in r.results[key].queries
        }
        if len(counts) > 1:
            uneven.append(f"{title} ({'/'.join(map(str, sorted(counts)))})")
    ok = not slow and not uneven and not spiky
    verdict = "PASS" if ok else "FAIL"
    print(
        f"\n{verdict}: every median < {TARGET_MS:.0f} ms at {largest.size:,} users"
        + (f" (slow: {', '.join(slow)})" if slow else "")
        + ", query counts equal across sizes"
        + (f" (differ: {', '.join(uneven)})" if uneven else "")
        + (f", p95 at most {P95_RATIO:.0f}× the median (gc tuned)" if tuned else "")
        + (f" (over: {', '.join(spiky)})" if spiky else "")
        + "."
    )
    if any(res.rows == 0 for r in runs for res in r.results.values()):
        print(
            "(empty): the page showed no users, so Django skipped the identifiers "
            "query; such pages are left out of the query-count comparison."
        )
    return ok


def print_environment(args) -> None:
    from django import get_version
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        server = c.fetchone()[0]
        c.execute("SHOW shared_buffers")
        buffers = c.fetchone()[0]
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Django {get_version()}, "
        f"PostgreSQL {server} (shared_buffers {buffers}), DEBUG off; "
        f"load average {os.getloadavg()[0]:.2f}."
    )


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    prepare_database(args.database_url, reuse=args.reuse)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.test import Client

    from core.gc_tuning import gc_tune

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    print_environment(args)
    operator, workspace, pool = bench_pool(reuse=args.reuse)
    client = Client()
    client.force_login(operator)

    runs = []
    for size in args.sizes:
        print(f"\n-- Seeding the pool up to {size:,} users --")
        seeded, seed_seconds = top_up(pool, size, args.batch)
        specs = page_requests(workspace, pool, prefix=args.prefix, name=args.name)
        searched = (
            f"prefix {specs['prefix'][1]['q']!r}, name {specs['name'][1]['q']!r}, "
            f"group {specs['group'][2].group.name!r}"
        )
        modes = ["default", "tuned"] if args.gc == "both" else [args.gc]
        for mode in modes:
            run = SizeRun(pool.user_count, seed_seconds, seeded, searched=searched)
            run.gc, run.load = mode, os.getloadavg()[0]
            if mode == "tuned":  # as gunicorn's master does before it forks
                run.frozen = gc_tune()
            else:
                gc.unfreeze()
                gc.set_threshold(*DEFAULT_GC)
            measure(client, pool, specs, run, runs=args.runs, warmup=args.warmup)
            print_size(run, args)
            runs.append(run)
            seeded = 0  # the seeding rate is counted once per size

    ok = print_summary(runs, args)
    if args.explain:
        specs = page_requests(workspace, pool, prefix=args.prefix, name=args.name)
        for key, title in PAGES:
            print(
                f"\n== EXPLAIN (ANALYZE, BUFFERS): {title}, {runs[-1].size:,} users =="
            )
            print(explain(client, specs[key]))
    print(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
