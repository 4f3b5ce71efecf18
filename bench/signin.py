"""Password sign-ins per second through the real hosted sign-in views, against
bare Argon2id verifications at the same parameters, in the same run.

    .venv/bin/python bench/signin.py [--count 200] [--database-url URL]

Each sign-in is the two requests a browser makes (identifier, then password) with
Django's test client, sessions and all middleware; the database is a new SQLite
file unless --database-url names another (its name must contain "bench"). The
issue's target: the sign-in path costs at most 15% more than the hash itself.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough passphrase for 2026"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if args.database_url and "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("Refusing: the database name must contain 'bench'.")
    tmp = tempfile.mkdtemp()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    from accounts.authenticators.passwords import password_set
    from identity_pools.models import Identifier, IdentityPool, PoolUser
    from workspaces.models import Workspace

    workspace, _ = Workspace.objects.get_or_create(
        slug="bench-signin", defaults={"name": "Bench"}
    )
    pool, _ = IdentityPool.objects.get_or_create(
        workspace=workspace, name="Bench sign-in"
    )
    identifier = Identifier.objects.filter(pool=pool, value="bench@example.com").first()
    if identifier is None:
        user = PoolUser.objects.create(pool=pool, status="active", display_name="Bench")
        Identifier.objects.create(
            pool=pool, user=user, type="email", value="bench@example.com"
        )
    else:
        user = identifier.user
    password_set(user=user, raw_password=PASSWORD)
    args_url = [workspace.slug, pool.pk]
    first = reverse("hosted:signin", args=args_url)
    second = reverse("hosted:signin_password", args=args_url)
    encoded = make_password(PASSWORD)

    def sign_in() -> None:
        client = Client()
        client.post(first, {"identifier": "bench@example.com"})
        response = client.post(second, {"password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def bare() -> None:
        assert check_password(PASSWORD, encoded)

    for _ in range(5):  # warm up
        sign_in()
        bare()
    gc.collect()
    gc.freeze()
    rounds = []
    for _ in range(5):
        n = max(1, args.count // 5)
        start = time.perf_counter()
        for _ in range(n):
            bare()
        hash_rate = n / (time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(n):
            sign_in()
        sign_in_rate = n / (time.perf_counter() - start)
        rounds.append((hash_rate, sign_in_rate))
    hash_rate = statistics.median(r[0] for r in rounds)
    sign_in_rate = statistics.median(r[1] for r in rounds)
    overhead = hash_rate / sign_in_rate - 1
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"bare Argon2id verifications: {hash_rate:6.1f}/s (one core)")
    print(f"password sign-ins (2 requests): {sign_in_rate:6.1f}/s (one core)")
    print(f"sign-in cost over the hash: {overhead:+.0%} (target: at most +15%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
