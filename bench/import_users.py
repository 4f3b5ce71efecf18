"""Bulk import through the HTTP API under gunicorn, against a raw COPY of the
same rows, and the export rate.

    .venv/bin/python bench/import_users.py [--sizes 10000,100000] [--workers 2]
        [--concurrency 2] [--batch 10000]
        [--database-url postgres://postgres@127.0.0.1:5432/identity_pools_bench_import]

Works on its own PostgreSQL database, whose name must contain "bench" (it is
dropped and created again). For each size: a new pool with one group; NDJSON
request bodies of ``--batch`` records written to a temporary directory before
the clock starts (one email, schema-valid user data, the group, and a password
hash from a small set of bcrypt and PBKDF2 hashes made once up front: hashing a
million passwords would take hours); gunicorn started on a free port; the bodies
POSTed to ``/api/v1/pools/{id}/users/import`` by ``--concurrency`` clients; then
the pool exported with hashes through ``…/users/export``; then gunicorn stopped
and the peak RSS of each worker read (``VmHWM`` in /proc/<pid>/status). The
baseline: the same rows (users, identifiers, credentials, memberships) COPYed in
transactions of ``--batch`` users into scratch tables made ``LIKE`` the real
ones ``INCLUDING ALL`` (the same indexes and constraints, without foreign keys).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from run import prepare_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/identity_pools_bench_import"
SLUG = "bench-import"
GROUP = "Customers"
TARGET_RATE = 10_000
TARGET_RATIO = 3.0
TARGET_RSS_MB = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    if any(s % args.batch for s in args.sizes):
        parser.error("each size must be a multiple of --batch")
    return args


# --- records --------------------------------------------------------------------


def make_hashes() -> list[str]:
    """Four bcrypt (cost 10) and four PBKDF2-SHA256 (Django, 600,000 rounds)
    hashes, made once; the records take turns with them."""
    import bcrypt
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    started = time.perf_counter()
    hashes = [
        bcrypt.hashpw(f"password {i}".encode(), bcrypt.gensalt(10)).decode()
        for i in range(4)
    ]
    hasher = PBKDF2PasswordHasher()
    hashes += [
        hasher.encode(f"password {i}", f"salt{i}x{i}", iterations=600_000)
        for i in range(4, 8)
    ]
    print(
        f"Made {len(hashes)} password hashes in {time.perf_counter() - started:.1f} s."
    )
    return hashes


def write_bodies(directory: Path, size: int, batch: int, hashes, tag: str) -> list:
    """NDJSON bodies of ``batch`` records each; returns their paths."""
    paths = []
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    for start in range(0, size, batch):
        lines = []
        for i in range(start, start + batch):
            lines.append(
                dumps(
                    {
                        "identifiers": [
                            {"type": "email", "value": f"user{i}@{tag}.example"}
                        ],
                        "user_data": {
                            "given_name": "Given",
                            "family_name": f"Family{i}",
                            "name": f"Given Family{i}",
                        },
                        "groups": [GROUP],
                        "password_hash": hashes[i % len(hashes)],
                    }
                )
            )
        path = directory / f"{tag}-{start}.ndjson"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


# --- the server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, workers: int, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "API_REQUESTS_PER_MINUTE": "100000",
    }
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def workers_of(master: subprocess.Popen) -> list[int]:
    path = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    return [int(pid) for pid in path.read_text().split()]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def request(port, method, path, token, body=b"", content_type="application/x-ndjson"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def wait_ready(port: int, token: str) -> None:
    for _ in range(200):
        try:
            status, _ = request(port, "GET", "/api/v1/pools", token)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("gunicorn did not answer within 20 s.")


def analyse() -> float:
    """ANALYZE the tables the import filled, as autovacuum does within a minute
    of such growth (it is off on the machine the figures come from, and the
    export's plans need the statistics); returns the seconds it took."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE identity_pools_pooluser, identity_pools_identifier, "
            "accounts_passwordcredential, identity_pools_groupmembership"
        )
    return time.perf_counter() - started


# --- the baseline -----------------------------------------------------------------


SCRATCH = {
    "users": "identity_pools_pooluser",
    "identifiers": "identity_pools_identifier",
    "credentials": "accounts_passwordcredential",
    "memberships": "identity_pools_groupmembership",
}


def copy_baseline(
    size: int, batch: int, hashes, pool_id, group_id, *, foreign_keys: bool
) -> float:
    """Seconds to COPY the rows of ``size`` users into scratch tables like the
    real ones, in transactions of ``batch`` users (the rows are built first).
    With ``foreign_keys`` the scratch tables get the real ones' foreign keys
    (deferred, so checked at each commit, as for the import)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from identity_pools.transfer.writes import (
        CREDENTIALS,
        IDENTIFIERS,
        MEMBERSHIPS,
        USERS,
        new_ids,
    )

    tables = {"users": USERS, "identifiers": IDENTIFIERS}
    tables |= {"credentials": CREDENTIALS, "memberships": MEMBERSHIPS}
    now = timezone.now()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name, real in SCRATCH.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_copy_{name}")
            cursor.execute(
                f"CREATE TABLE bench_copy_{name} (LIKE {real} INCLUDING ALL)"
            )
        if foreign_keys:
            for name, real in SCRATCH.items():
                cursor.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid = %s::regclass",
                    [real],
                )
                for (definition,) in cursor.fetchall():
                    for other, other_real in SCRATCH.items():
                        definition = definition.replace(
                            f"REFERENCES {other_real}(",
                            f"REFERENCES bench_copy_{other}(",
                        )
                    cursor.execute(f"ALTER TABLE bench_copy_{name} ADD {definition}")
    seconds = 0.0
    for start in range(0, size, batch):
        user_ids = new_ids(batch)
        rows = {"users": [], "identifiers": [], "credentials": [], "memberships": []}
        ident_ids, member_ids = new_ids(batch), new_ids(batch)
        for k, i in enumerate(range(start, start + batch)):
            uid = user_ids[k]
            data = {
                "given_name": "Given",
                "family_name": f"Family{i}",
                "name": f"Given Family{i}",
            }
            rows["users"].append(
                (uid, pool_id, "active", data, {}, data["name"], now, now)
            )
            rows["identifiers"].append(
                (
                    ident_ids[k],
                    pool_id,
                    uid,
                    "email",
                    f"user{i}@copy.example",
                    False,
                    None,
                    now,
                    now,
                )
            )
            rows["credentials"].append((uid, hashes[i % len(hashes)], "valid", now))
            rows["memberships"].append((member_ids[k], group_id, uid, now))
        started = time.perf_counter()
        with transaction.atomic():
            for name, table in tables.items():
                columns = ", ".join(qn(f.column) for f in table.fields)
                table._copy(
                    f"COPY bench_copy_{name} ({columns}) FROM STDIN", rows[name]
                )
        seconds += time.perf_counter() - started
    with connection.cursor() as cursor:
        for name in reversed(SCRATCH):
            cursor.execute(f"DROP TABLE bench_copy_{name}")
    return seconds


# --- one size ---------------------------------------------------------------------


def setup(url: str):
    from django.core.management import call_command

    from core.audit import SystemActor
    from workspaces.api_tokens import api_token_create
    from workspaces.models import Workspace
    from workspaces.services import workspace_create

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    actor = SystemActor("bench/import_users.py")
    workspace = Workspace.objects.filter(slug=SLUG).first() or workspace_create(
        actor=actor, name="Bench import", slug=SLUG
    )
    command = [
        str(ROOT / ".venv/bin/python"),
        "manage.py",
        "create_api_token",
        "--workspace",
        SLUG,
        "--name",
        "bench",
        "--scopes",
        "read,import",
    ]
    made = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode == 0 and made.stdout.strip():
        token = made.stdout.strip().splitlines()[-1]
        print("API token made with manage.py create_api_token.")
    else:  # the command is not there yet: the service it calls
        _t, token = api_token_create(
            workspace=workspace, actor=actor, name="bench", scopes=["read", "import"]
        )
        print("API token made with workspaces.api_tokens.api_token_create.")
    return workspace, token, actor


def run_size(args, size, workspace, token, actor, hashes, directory) -> dict:
    from identity_pools.models import Group
    from identity_pools.services.groups import group_create
    from identity_pools.services.pools import pool_create

    tag = f"n{size}-{uuid.uuid4().hex[:6]}"
    pool = pool_create(workspace=workspace, actor=actor, name=f"Bench {tag}")
    group = group_create(pool=pool, actor=actor, name=GROUP)
    started = time.perf_counter()
    paths = write_bodies(directory, size, args.batch, hashes, tag)
    print(
        f"\n-- {size:,} users: {len(paths)} bodies of {args.batch:,} records "
        f"({sum(p.stat().st_size for p in paths) / 1e6:,.0f} MB) written in "
        f"{time.perf_counter() - started:.1f} s --"
    )
    port = free_port()
    server = start_gunicorn(args.database_url, args.workers, port)
    try:
        wait_ready(port, token)
        warm = f"/api/v1/pools/{pool.pk}/users/import?dry_run=true"
        for _ in range(args.workers * 2):
            request(
                port,
                "POST",
                warm,
                token,
                paths[0].read_bytes()[:2000].rsplit(b"\n", 1)[0],
            )
        path = f"/api/v1/pools/{pool.pk}/users/import"

        def post(body_path: Path) -> dict:
            status, data = request(port, "POST", path, token, body_path.read_bytes())
            if status != 200:
                raise SystemExit(f"HTTP {status}: {data[:500]!r}")
            return json.loads(data)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as clients:
            reports = list(clients.map(post, paths))
        import_seconds = time.perf_counter() - started
        created = sum(r["created"] for r in reports)
        failed = sum(r["failed"] for r in reports)
        rss_import = [peak_rss_mb(pid) for pid in workers_of(server)]
        analyse_seconds = analyse()

        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request(
            "GET",
            f"/api/v1/pools/{pool.pk}/users/export?include_password_hashes=true",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        exported = exported_bytes = 0
        while chunk := response.read(1 << 20):
            exported += chunk.count(b"\n")
            exported_bytes += len(chunk)
        conn.close()
        export_seconds = time.perf_counter() - started
        rss_all = [peak_rss_mb(pid) for pid in workers_of(server)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    for body_path in paths:
        body_path.unlink()
    group.refresh_from_db()
    pool.refresh_from_db()
    assert created == size and failed == 0, (created, failed)
    assert exported == size, exported
    assert pool.user_count == size and group.member_count == size
    assert Group.objects.filter(pool=pool).count() == 1
    copy_seconds = copy_baseline(
        size, args.batch, hashes, pool.pk, group.pk, foreign_keys=True
    )
    copy_bare = copy_baseline(
        size, args.batch, hashes, pool.pk, group.pk, foreign_keys=False
    )
    result = {
        "size": size,
        "import_s": import_seconds,
        "rate": size / import_seconds,
        "copy_s": copy_seconds,
        "ratio": import_seconds / copy_seconds,
        "copy_bare_s": copy_bare,
        "ratio_bare": import_seconds / copy_bare,
        "rss_import": max(rss_import),
        "rss": max(rss_all),
        "analyse_s": analyse_seconds,
        "export_s": export_seconds,
        "export_rate": size / export_seconds,
        "export_mb": exported_bytes / 1e6,
    }
    print(
        f"import: {import_seconds:.1f} s, {result['rate']:,.0f} users/s; raw COPY of "
        f"the same rows: {copy_seconds:.2f} s with foreign keys (import/COPY "
        f"{result['ratio']:.2f}×), {copy_bare:.2f} s without "
        f"({result['ratio_bare']:.2f}×); ANALYZE {analyse_seconds:.1f} s; "
        f"peak RSS per worker after import {', '.join(f'{r:.0f}' for r in rss_import)} MB; "
        f"export: {export_seconds:.1f} s, {result['export_rate']:,.0f} users/s "
        f"({result['export_mb']:,.0f} MB); peak RSS after export "
        f"{', '.join(f'{r:.0f}' for r in rss_all)} MB"
    )
    return result


def main() -> int:
    args = parse_args()
    prepare_database(args.database_url, reuse=False)
    setup_django(args.database_url)
    from django.db import connection

    workspace, token, actor = setup(args.database_url)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(
        f"{os.cpu_count()} CPUs, PostgreSQL {server}, gunicorn {args.workers} "
        f"workers (sync), {args.concurrency} concurrent clients, "
        f"{args.batch:,} records a request, load average {os.getloadavg()[0]:.2f}."
    )
    random.seed(1)
    hashes = make_hashes()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for size in args.sizes:
            results.append(
                run_size(args, size, workspace, token, actor, hashes, Path(tmp))
            )
    print("\n== Summary ==")
    print(
        f"{'users':>10} {'import s':>9} {'users/s':>9} {'COPY s':>7} {'ratio':>6} "
        f"{'COPY s, no FK':>14} {'ratio':>6} {'RSS MB':>7} {'export/s':>9}"
    )
    for r in results:
        print(
            f"{r['size']:>10,} {r['import_s']:>9.1f} {r['rate']:>9,.0f} "
            f"{r['copy_s']:>7.2f} {r['ratio']:>5.2f}× {r['copy_bare_s']:>14.2f} "
            f"{r['ratio_bare']:>5.2f}× {r['rss']:>7.0f} {r['export_rate']:>9,.0f}"
        )
    rate_ok = all(r["rate"] >= TARGET_RATE for r in results)
    rss_ok = all(r["rss"] < TARGET_RSS_MB for r in results)
    copy_ok = all(r["ratio"] <= TARGET_RATIO for r in results)
    bare_ok = all(r["ratio_bare"] <= TARGET_RATIO for r in results)
    for ok, what in (
        (rate_ok, f"at least {TARGET_RATE:,} users/s"),
        (copy_ok, f"within {TARGET_RATIO:.0f}× of COPY into tables with foreign keys"),
        (bare_ok, f"within {TARGET_RATIO:.0f}× of COPY into tables without them"),
        (rss_ok, f"peak RSS under {TARGET_RSS_MB} MB per worker"),
    ):
        print(f"{'PASS' if ok else 'FAIL'}: {what}")
    ok = rate_ok and copy_ok and rss_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
