"""Imported password hashes (issue 20, 2.1): what a check costs, and whether a
sign-in's answer tells unknown, native and imported identifiers apart.

    .venv/bin/python bench/imported_hashes.py [--costs] [--signin]
        [--count 50] [--database-url URL]

--costs: each imported format at a few parameters, checked with a wrong
password, against a check of our own hash (Argon2id, m=19 MiB, t=2), in
interleaved rounds: the measured multiple beside ``core.password_hashes``'
estimate (what the pools' limits are compared with).

--signin: a pool whose limit admits bcrypt at cost 10, with a native user,
users imported with bcrypt (cost 10, the pool's costliest), PBKDF2-SHA256
(100,000) and a salted SHA-256, and a user whose bcrypt at cost 12 is above the
limit; then wrong-password sign-ins through the hosted page (password on the
first page: one request, Django's test client and every middleware), each
identifier kind in turn, ``--count`` of each, a fresh identifier each time
where the kind has several (no sign-in block is reached). Prints the median and
the spread of each kind's answer time. The database is a new SQLite file
unless --database-url names another (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough passphrase for 2026"
WRONG = "a wrong passphrase, typed by someone"
NAMED = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


def setup(database_url: str) -> None:
    if database_url and "bench" not in database_url.rsplit("/", 1)[-1]:
        sys.exit("Refusing: the database name must contain 'bench'.")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    tmp = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()


def samples() -> dict[str, str]:
    import bcrypt
    from django.contrib.auth import hashers

    from config.hashers import (
        FirebaseScryptPasswordHasher,
        PBKDF2RawSaltSHA512PasswordHasher,
    )

    def raw_bcrypt(cost: int) -> str:
        return "bcrypt72$" + bcrypt.hashpw(b"x", bcrypt.gensalt(cost)).decode()

    def argon2(memory: int, time_cost: int, lanes: int) -> str:
        hasher = hashers.Argon2PasswordHasher()
        hasher.memory_cost, hasher.time_cost, hasher.parallelism = (
            memory,
            time_cost,
            lanes,
        )
        return hasher.encode("x", "saltsaltsalt")

    pbkdf2 = hashers.PBKDF2PasswordHasher()
    pbkdf2_sha1 = hashers.PBKDF2SHA1PasswordHasher()
    scrypt = hashers.ScryptPasswordHasher()
    keycloak = PBKDF2RawSaltSHA512PasswordHasher()
    firebase = FirebaseScryptPasswordHasher()
    return {
        "bcrypt cost 8": raw_bcrypt(8),
        "bcrypt cost 10": raw_bcrypt(10),
        "bcrypt cost 12": raw_bcrypt(12),
        "pbkdf2_sha256 100,000": pbkdf2.encode("x", "saltsalt", iterations=100_000),
        "pbkdf2_sha256 600,000": pbkdf2.encode("x", "saltsalt", iterations=600_000),
        "pbkdf2_sha1 300,000": pbkdf2_sha1.encode("x", "saltsalt", iterations=300_000),
        "pbkdf2-sha512 210,000 (Keycloak)": keycloak.encode(
            "x", keycloak.salt(), iterations=210_000, dklen=64
        ),
        "scrypt N=2^14 r=8 p=1": scrypt.encode("x", "saltsalt", n=2**14, r=8, p=1),
        "scrypt N=2^14 r=8 p=4": scrypt.encode("x", "saltsalt", n=2**14, r=8, p=4),
        "firebase scrypt 8/14": firebase.encode(
            "x",
            "c2FsdA==",
            salt_separator="Bw==",
            signer_key="a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
            rounds=8,
            mem_cost=14,
        ),
        "argon2id 64 MiB t=3 p=4": argon2(65536, 3, 4),
        "argon2id Django's 100 MiB t=2 p=8": argon2(102400, 2, 8),
        "argon2id 7 MiB t=5 (Keycloak)": argon2(7168, 5, 1),
    }


def costs(rounds: int) -> None:
    from django.contrib.auth.hashers import check_password, make_password

    from core.password_hashes import hash_cost

    own = make_password("x")
    hashes = {"our own (Argon2id 19 MiB, t=2)": own, **samples()}
    times: dict[str, list[float]] = {name: [] for name in hashes}
    for _ in range(rounds):  # interleaved, so the machine's load weighs alike
        for name, encoded in hashes.items():
            start = time.process_time()
            check_password(WRONG, encoded)
            times[name].append(time.process_time() - start)
    base = statistics.median(times["our own (Argon2id 19 MiB, t=2)"])
    print(f"our own hash: {base * 1000:.1f} ms of CPU a check (median of {rounds})")
    print(f"{'hash':40} {'measured':>9} {'estimate':>9} {'error':>7}")
    for name, encoded in hashes.items():
        measured = statistics.median(times[name]) / base
        estimate = hash_cost(encoded)
        error = estimate / measured - 1
        print(f"{name:40} {measured:8.2f}× {estimate:8.2f}× {error:+7.0%}")


def signin(count: int) -> None:
    from urllib.parse import urlencode

    import bcrypt
    from django.conf import settings
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from accounts.authenticators.passwords.services import password_set
    from identity_pools.models import IdentityPool, PasswordPolicy, SignInPolicy
    from identity_pools.policies.services import pool_update_password_policy
    from identity_pools.transfer.imports import pool_users_import
    from tests.factories import PoolUserFactory
    from workspaces.models import Workspace

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    workspace, _ = Workspace.objects.get_or_create(
        slug="bench-hashes", defaults={"name": "Bench"}
    )
    IdentityPool.objects.filter(workspace=workspace).delete()
    pool = IdentityPool.objects.create(workspace=workspace, name="Imported")
    SignInPolicy.objects.create(pool=pool, password_on_first_page=True)
    PasswordPolicy.objects.create(pool=pool, imported_hash_max_cost=14)

    def raw_bcrypt(cost: int) -> str:
        return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(cost)).decode()

    kinds = {
        "bcrypt 10": lambda: raw_bcrypt(10),
        "pbkdf2 100k": lambda: PBKDF2PasswordHasher().encode(
            PASSWORD, "saltsalt", iterations=100_000
        ),
        "salted sha256": lambda: {
            "algorithm": "sha256",
            "salt": "pepper",
            "salt_position": "before",
            "value": __import__("hashlib")
            .sha256(b"pepper" + PASSWORD.encode())
            .hexdigest(),
        },
    }
    records = []
    for kind, make in kinds.items():
        for i in range(count):
            records.append(
                {
                    "identifiers": [
                        {"value": f"{kind.replace(' ', '-')}-{i}@example.com"}
                    ],
                    "status": "active",
                    "user_data": NAMED,
                    "password_hash": make(),
                }
            )
    over_limit = raw_bcrypt(12)  # one hash for them all: making each costs 0.25 s
    for i in range(count):
        records.append(
            {
                "identifiers": [{"value": f"over-limit-{i}@example.com"}],
                "status": "active",
                "user_data": NAMED,
                "password_hash": over_limit,
            }
        )
    report = pool_users_import(pool=pool, actor=None, records=records)
    assert report.created == len(records), report.results[:3]
    pool_update_password_policy(pool=pool, actor=None, imported_hash_max_cost=4)
    for i in range(count):
        user = PoolUserFactory(
            pool=pool, email=f"native-{i}@example.com", status="active"
        )
        password_set(user=user, raw_password=PASSWORD)
    url = reverse("hosted:sign_in", args=[workspace.slug, pool.pk])
    client = Client()

    def answer(identifier: str, n: int) -> float:
        client.cookies.clear()
        body = urlencode({"identifier": identifier, "password": WRONG})
        start = time.perf_counter()
        response = client.post(
            url,
            body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR=f"10.{n // 250 % 250}.{n % 250}.9",
        )
        took = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return took

    who = {
        "unknown": lambda i: f"nobody-{i}@example.com",
        "native (Argon2id)": lambda i: f"native-{i}@example.com",
        "imported bcrypt 10 (the costliest)": lambda i: f"bcrypt-10-{i}@example.com",
        "imported PBKDF2 100,000": lambda i: f"pbkdf2-100k-{i}@example.com",
        "imported salted SHA-256": lambda i: f"salted-sha256-{i}@example.com",
        "bcrypt 12, above the limit": lambda i: f"over-limit-{i}@example.com",
    }
    for _ in range(3):  # warm up (and time the pool's dummy once)
        answer("warm@example.com", 0)
    times: dict[str, list[float]] = {name: [] for name in who}
    n = 0
    for i in range(count):  # interleaved: one of each kind in turn
        for name, identifier in who.items():
            n += 1
            times[name].append(answer(identifier(i), n))
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"wrong-password sign-ins on one page, {count} of each (ms):")
    print(f"{'identifier':38} {'median':>7} {'p10':>7} {'p90':>7}")
    for name, values in times.items():
        values.sort()
        p10, p90 = values[len(values) // 10], values[len(values) * 9 // 10]
        median = statistics.median(values)
        print(f"{name:38} {median * 1000:7.1f} {p10 * 1000:7.1f} {p90 * 1000:7.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", action="store_true")
    parser.add_argument("--signin", action="store_true")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    setup(args.database_url)
    if args.costs or not args.signin:
        costs(max(5, args.count // 5))
    if args.signin or not args.costs:
        signin(args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
