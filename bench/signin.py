"""Password sign-ins per second through the real hosted sign-in views, against
bare Argon2id verifications at the same parameters, in the same run.

    .venv/bin/python bench/signin.py [--count 200] [--database-url URL] [--breakdown]

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
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the parts of the sign-in path one by one",
    )
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

    # One client, as one server process: its handler loads the middleware once
    # (a new Client per sign-in would load it each time, which no server does);
    # each sign-in starts with no cookies, as a new browser.
    client = Client()

    def sign_in() -> None:
        client.cookies.clear()
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
    per = 1000 / sign_in_rate - 1000 / hash_rate
    print(f"time over the hash per sign-in: {per:.1f} ms")
    if args.breakdown:
        breakdown(client, workspace, pool, user, first)
    return 0


def breakdown(client, workspace, pool, user, first) -> None:
    """Median milliseconds of each part of the path, run alone."""
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.authenticators.lockout import lock_wait
    from accounts.flows.mfa import second_factor_step
    from accounts.flows.signin import ADDRESS_LIMIT, signin_record
    from accounts.hosted.access import hosted_pool
    from core import ratelimit
    from identity_pools.models import Identifier
    from identity_pools.sign_in_rules import sign_in_policy_for

    user.pool = pool
    policy = sign_in_policy_for(pool)
    limit = ratelimit.Limit("hosted:signin:bench", *ADDRESS_LIMIT)

    def session_cycle() -> None:
        session = SessionStore()
        session["x"] = 1
        session.save()
        session.flush()

    parts = {
        "a request answered 404 (middleware floor)": lambda: client.get("/w/none/"),
        "identifier step (whole request)": lambda: client.post(
            first, {"identifier": "bench@example.com"}
        ),
        "pool, workspace and policies": lambda: hosted_pool(
            slug=workspace.slug, pool_id=pool.pk
        ),
        "sign-in block check": lambda: lock_wait(
            pool=pool, identifier="bench@example.com"
        ),
        "client address limit check": lambda: ratelimit.is_limited(limit),
        "identifier, user and password": lambda: (
            Identifier.objects.filter(pool=pool, value="bench@example.com")
            .select_related("user", "user__password_credential")
            .first()
        ),
        "second factor needed?": lambda: second_factor_step(
            policy=policy, user=user, first="password", remembered=False
        ),
        "last sign-in time and audit event": lambda: signin_record(
            user=user, method="password"
        ),
        "session row created and deleted": session_cycle,
    }
    import logging

    logging.disable(logging.WARNING)  # the 404s
    print("parts of the path (median of 200 runs each):")
    for label, part in parts.items():
        times = []
        for _ in range(200):
            start = time.perf_counter()
            part()
            times.append(time.perf_counter() - start)
        print(f"  {statistics.median(times) * 1000:6.2f} ms  {label}")


if __name__ == "__main__":
    sys.exit(main())
