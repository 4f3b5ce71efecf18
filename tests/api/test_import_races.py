"""Equal imports at once (issue 20: six identical 50-record imports with
``on_conflict: "skip"`` ended 1 created, 2 skipped, 3 failed with
``identifier_taken``): a record that lost the race to an equal record is
decided again against the winner's user, as ``on_conflict`` says. Real
concurrent transactions: threads with their own connections, in-process on the
test database (PostgreSQL, or SQLite on a file), and in a subprocess on a
SQLite file with the quick start's settings, where writers take turns (BEGIN
IMMEDIATE) but every import still checks the pool before the first one has
written. (An in-memory SQLite test database, in shared cache, fails a second
writer at once instead of letting it wait: the in-process test skips there.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from identity_pools.models import PoolUser
from tests.api.import_race import RECORDS, REQUESTS, equal_imports_at_once, tally
from tests.factories import IdentityPoolFactory

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    # One request creates every user; the others skip or update each of them.
    "skip": [[0, 0, RECORDS, 0]] * (REQUESTS - 1) + [[RECORDS, 0, 0, 0]],
    "update": [[0, RECORDS, 0, 0]] * (REQUESTS - 1) + [[RECORDS, 0, 0, 0]],
    # Asked for errors: each record of the others is one, and says so.
    "error": [[0, 0, 0, RECORDS]] * (REQUESTS - 1) + [[RECORDS, 0, 0, 0]],
}
CODES = {
    "skip": {},
    "update": {},
    "error": {"identifier_taken": RECORDS * (REQUESTS - 1)},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("on_conflict", ["skip", "update", "error"])
def test_equal_imports_at_once_in_process(on_conflict):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("a shared in-memory SQLite cannot wait for a writer; see below")
    pool = IdentityPoolFactory()
    reports = equal_imports_at_once(pool, on_conflict=on_conflict)
    result = tally(reports)
    assert result == {
        "counts": EXPECTED[on_conflict],
        "codes": CODES[on_conflict],
        "exceptions": [],
    }
    # Every report names the one user of each record.
    ids = {tuple(r["id"] for r in report["results"]) for report in reports}
    if on_conflict != "error":
        assert len(ids) == 1
    assert PoolUser.objects.filter(pool=pool).count() == RECORDS
    pool.refresh_from_db()
    assert pool.user_count == RECORDS


SQLITE_SCRIPT = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    call_command("migrate", verbosity=0)
    from identity_pools.models import PoolUser
    from tests.api.import_race import equal_imports_at_once, tally
    from tests.factories import IdentityPoolFactory

    out = {}
    for on_conflict in ("skip", "update", "error"):
        pool = IdentityPoolFactory()
        connection.close()
        result = tally(equal_imports_at_once(pool, on_conflict=on_conflict))
        pool.refresh_from_db()
        result["users"] = PoolUser.objects.filter(pool=pool).count()
        result["user_count"] = pool.user_count
        out[on_conflict] = result
    print(json.dumps(out))
    """
)


def test_equal_imports_at_once_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    for on_conflict, result in out.items():
        assert result == {
            "counts": EXPECTED[on_conflict],
            "codes": CODES[on_conflict],
            "exceptions": [],
            "users": RECORDS,
            "user_count": RECORDS,
        }, on_conflict
