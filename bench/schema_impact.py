"""How long "Changing a pool's schema" takes to count the users that would not satisfy
the new schema (identity_pools.user_schemas.services.user_schema_impact).

Run after bench/run.py, on its database (the largest bench pool):

    .venv/bin/python bench/schema_impact.py [--database-url postgres://.../identity_pools_bench]

Prints the time to check every user of the pool against three documents: the
built-in one (all pass), one requiring an extra field (all fail), and one that a
few percent fail.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/identity_pools_bench",
    )
    args = parser.parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("Refusing: the database name must contain 'bench'.")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from identity_pools.models import IdentityPool, UserSchema
    from identity_pools.user_schemas.builtin import USER_DATA
    from identity_pools.user_schemas.services import user_schema_impact

    pool = IdentityPool.objects.order_by("-user_count").first()
    if pool is None or not pool.user_count:
        sys.exit("No bench pool: run bench/run.py first.")
    documents = {
        "built-in (all pass)": USER_DATA,
        "requires nickname (all fail)": {
            **USER_DATA,
            "required": [*USER_DATA["required"], "nickname"],
        },
        "given_name max 5 chars (some fail)": {
            **USER_DATA,
            "properties": {
                **USER_DATA["properties"],
                "given_name": {**USER_DATA["properties"]["given_name"], "maxLength": 5},
            },
        },
    }
    print(f"Pool {pool.name!r}: {pool.user_count:,} users")
    print(
        f"{'document':38} {'checked':>10} {'failing':>10} {'seconds':>8} {'µs/user':>8}"
    )
    for title, document in documents.items():
        started = time.perf_counter()
        impact = user_schema_impact(
            document=document, kind=UserSchema.Kind.USER_DATA, pools=[pool]
        )
        seconds = time.perf_counter() - started
        print(
            f"{title:38} {impact.checked:>10,} {impact.failing:>10,} "
            f"{seconds:>8.1f} {seconds / max(impact.checked, 1) * 1e6:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
