"""Every console page of every pool, on a database of many pools of mixed sizes.

    .venv/bin/python bench/pools.py [--mid 10x100000] [--small 1000x100]
        [--runs 2] [--database-url postgres://postgres@127.0.0.1:5432/identity_pools_bench]

Runs on the database bench/run.py filled, beside its largest bench pool (run
``bench/run.py --sizes 10000000`` first for the 10-million-user pool; any size
works). Adds, once (a second run finds them and only measures): ``--mid`` pools
in one workspace and ``--small`` pools in workspaces of 20, each seeded with
``manage.py seed_users`` (20 groups each). Then requests every GET page of every
pool in-process with Django's test client, as one operator who belongs to every
workspace: the pool's dashboard, settings and sign-in settings pages, its users
list (first page, page 2, a name search, an identifier prefix, the guessing
search, a status filter), Create User, the newest user's page, its groups, a
group's members and Assign Users, and the workspace's list of pools. Each page
is requested once untimed, then ``--runs`` times; the median is the page's time.

Printed per page and class of pool: the median over its pools, the p95 and the
slowest pool, and the queries per request (equal for every pool size, or the
page's cost grows with it). The target: every page of every pool under 100 ms,
and small pools no slower than large ones (their pages never read the large
pools' rows).
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as users_bench

TARGET_MS = 100.0
MID_WORKSPACE = "bench-mix-mid"
SMALL_WORKSPACE = "bench-mix-small-{:03d}"
POOLS_PER_SMALL_WORKSPACE = 20
OPERATOR = "mix-owner@bench.example"
# (key, title, url name, kind): kind says which object the URL needs.
PAGES = [
    ("dashboard", "dashboard", "pool_dashboard", "pool"),
    ("settings", "settings", "pool_settings", "pool"),
    ("sign_in", "sign-in methods", "pool_sign_in_methods", "pool"),
    ("password", "password policy", "pool_password_policy", "pool"),
    ("list", "users list", "pool_user_list", "pool"),
    ("page2", "users, page 2", "pool_user_list", "pool"),
    ("name", "name search", "pool_user_list", "pool"),
    ("prefix", "identifier prefix", "pool_user_list", "pool"),
    ("guess", "guessing search", "pool_user_list", "pool"),
    ("status", "status=inactive", "pool_user_list", "pool"),
    ("create", "Create User", "pool_user_create", "pool"),
    ("user", "a user's page", "pool_user_detail", "user"),
    ("groups", "groups", "group_list", "pool"),
    ("members", "group members", "group_detail", "group"),
    ("assign", "Assign Users", "group_assign_users", "group"),
    ("pools", "workspace's pools", "pool_list", "workspace"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=users_bench.DEFAULT_URL)
    parser.add_argument("--mid", default="10x100000", help="POOLSxUSERS")
    parser.add_argument("--small", default="1000x100", help="POOLSxUSERS")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    try:
        args.mid = tuple(int(n.replace("_", "")) for n in args.mid.split("x"))
        args.small = tuple(int(n.replace("_", "")) for n in args.small.split("x"))
        assert len(args.mid) == 2 and len(args.small) == 2
    except (ValueError, AssertionError):
        parser.error("--mid and --small are POOLSxUSERS, e.g. 10x100000.")
    if args.runs < 1:
        parser.error("--runs must be at least 1.")
    return args


def seed_pools(operator, args) -> None:
    """Create and fill the mid and small pools that are missing or short."""
    from django.core.management import call_command

    from identity_pools.models import IdentityPool
    from workspaces.models import Membership, Role, Workspace

    wanted = [(MID_WORKSPACE, f"Mid {i + 1}", args.mid[1]) for i in range(args.mid[0])]
    wanted += [
        (
            SMALL_WORKSPACE.format(i // POOLS_PER_SMALL_WORKSPACE + 1),
            f"Small {i % POOLS_PER_SMALL_WORKSPACE + 1}",
            args.small[1],
        )
        for i in range(args.small[0])
    ]
    have = {
        (p.workspace.slug, p.name): p.user_count
        for p in IdentityPool.objects.filter(
            workspace__slug__startswith="bench-mix-"
        ).select_related("workspace")
    }
    todo = [(s, n, c - have.get((s, n), 0)) for s, n, c in wanted]
    todo = [(s, n, c) for s, n, c in todo if c > 0]
    if not todo:
        print(f"All {len(wanted):,} mid and small pools are there already.")
    started = time.perf_counter()
    for done, (slug, name, missing) in enumerate(todo, start=1):
        call_command(
            "seed_users", pool=f"{slug}/{name}", count=missing, stdout=io.StringIO()
        )
        if done % 100 == 0 or done == len(todo):
            print(f"  seeded {done:,} / {len(todo):,} pools")
    if todo:
        print(f"Seeding: {time.perf_counter() - started:.0f} s.")
        users_bench.vacuum()
    for workspace in Workspace.objects.filter(slug__startswith="bench-"):
        Membership.objects.get_or_create(
            operator=operator, workspace=workspace, defaults={"role": Role.OWNER}
        )


def pool_pages(pool) -> dict[str, tuple[str, dict]]:
    """page key → (url, GET params) for ``pool``."""
    from django.urls import reverse

    from identity_pools.models import Group, PoolUser
    from identity_pools.selectors import UserFilter, pool_user_list

    slug = pool.workspace.slug
    group = Group.objects.for_pool(pool).order_by("-member_count", "name").first()
    first = pool_user_list(pool=pool, filters=UserFilter(), cursor=None)
    newest = first.items[0] if first.items else PoolUser.objects.for_pool(pool).first()
    family = (newest.user_data.get("family_name") or "lee").lower()
    prefix = newest.identifiers.all()[0].value[:4]
    after = first.next_cursor or str(first.items[-1].pk)
    objects = {
        "pool": [slug, pool.pk],
        "user": [slug, pool.pk, newest.pk],
        "group": [slug, pool.pk, group.pk],
        "workspace": [slug],
    }
    params = {
        "page2": {"after": after},
        "name": {"q": family, "by": "name"},
        "prefix": {"q": prefix, "by": "identifier"},
        "guess": {"q": prefix},
        "status": {"status": "inactive"},
    }
    return {
        key: (
            reverse(f"identity_pools:{name}", args=objects[kind]),
            params.get(key, {}),
        )
        for key, _, name, kind in PAGES
    }


def measure_pool(client, pool, runs: int) -> dict[str, tuple[float, set[int]]]:
    """page key → (median ms, queries) for ``pool``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = pool_pages(pool)
    out = {}
    for key, (url, params) in pages.items():
        client.get(url, params)  # untimed
        times, queries = [], set()
        for _ in range(runs):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"{key}: {url} {params} answered {response.status_code}.")
            queries.add(len(captured.captured_queries))
        out[key] = (statistics.median(times), queries)
    return out


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> int:
    args = parse_args()
    users_bench.setup_django(args.database_url)
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import Operator
    from core.gc_tuning import gc_tune
    from identity_pools.models import IdentityPool

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    users_bench.print_environment(args)
    started = time.perf_counter()
    operator = Operator.objects.filter(email=OPERATOR).first()
    if operator is None:
        operator = Operator.objects.create_user(email=OPERATOR)
    seed_pools(operator, args)
    pools = list(
        IdentityPool.objects.filter(workspace__slug__startswith="bench-")
        .select_related("workspace")
        .order_by("-user_count", "workspace__slug", "name")
    )
    client = Client()
    client.force_login(operator)
    print(f"gc tuned: {gc_tune():,} objects frozen.")
    print(
        f"Measuring {len(PAGES)} pages of {len(pools):,} pools, {args.runs} runs each."
    )

    classes: dict[str, list] = {}
    for n, pool in enumerate(pools, start=1):
        size = pool.user_count
        if n == 1:
            name = f"largest: {size:,} users"
        elif size >= args.mid[1]:
            name = f"{args.mid[1]:,}-user pools"
        else:
            name = f"{args.small[1]:,}-user pools"
        classes.setdefault(name, []).append(
            (pool, measure_pool(client, pool, args.runs))
        )
        if n % 100 == 0:
            print(f"  measured {n:,} / {len(pools):,} pools")

    print("\n== median ms over the class's pools / p95 / slowest pool (queries) ==")
    header = f"{'page':<20}" + "".join(f" | {c:^30}" for c in classes)
    print(header + "\n" + "-" * len(header))
    slow, uneven = [], []
    for key, title, _, _ in PAGES:
        cells, most = [], {}
        for cls, measured in classes.items():
            values = [m[key][0] for _, m in measured]
            counts = sorted({q for _, m in measured for q in m[key][1]})
            most[cls] = counts[-1]
            text = f"{statistics.median(values):.1f} / {pct(values, 0.95):.1f} / "
            text += f"{max(values):.1f} ({'/'.join(map(str, counts))})"
            cells.append(f" | {text:^30}")
            if max(values) >= TARGET_MS:
                slow.append(f"{title} in {cls} ({max(values):.0f} ms)")
        # A page that lists nobody skips a query (no identifiers to load), so
        # compare the most each class ran.
        if len(set(most.values())) > 1:
            uneven.append(
                f"{title} ({', '.join(f'{c}: {n}' for c, n in most.items())})"
            )
        print(f"{title:<20}" + "".join(cells))
    ok = not slow
    print(
        f"\n{'PASS' if ok else 'FAIL'}: every page of every pool under "
        f"{TARGET_MS:.0f} ms"
        + (f" (over: {', '.join(slow)})" if slow else "")
        + "; queries per page "
        + (
            f"differ between pools: {', '.join(uneven)}"
            if uneven
            else "equal for every pool"
        )
        + "."
    )
    print(f"Total time {time.perf_counter() - started:.0f} s.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
