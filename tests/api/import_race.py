"""Equal imports sent at once, each in its own thread with its own database
connection (real concurrent transactions): the scenario of
test_import_races.py, run in-process on PostgreSQL and in a subprocess on a
SQLite file (the quick start's database)."""

from __future__ import annotations

import threading
from collections import Counter
from unittest import mock

from django.db import connection

from core.audit import SystemActor
from identity_pools.transfer import imports

REQUESTS, RECORDS = 6, 50  # as in issue 20's probe


def record(n: int) -> dict:
    return {
        "identifiers": [{"type": "email", "value": f"user{n}@example.com"}],
        "user_data": {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
    }


def equal_imports_at_once(
    pool, *, on_conflict: str, requests: int = REQUESTS, records: int = RECORDS
) -> list[dict]:
    """``requests`` imports of the same ``records`` records into ``pool`` at
    once; each is checked against the pool before any of them writes (a
    barrier after the check), so all but one lose the race to the first
    writer. Their reports (or ``{"exception": …}``), in thread order."""
    users = [record(n) for n in range(records)]
    barrier = threading.Barrier(requests)
    check = imports._plan

    def checked_together(*args, **kwargs):
        plan = check(*args, **kwargs)
        barrier.wait(timeout=60)
        return plan

    reports: list[dict] = [{} for _ in range(requests)]

    def send(k: int) -> None:
        try:
            reports[k] = imports.pool_users_import(
                pool=pool,
                actor=SystemActor("import"),
                records=users,
                on_conflict=on_conflict,
            ).as_dict()
        except Exception as exc:  # reported, so the test shows it
            reports[k] = {"exception": repr(exc)}
        finally:
            connection.close()

    with mock.patch.object(imports, "_plan", checked_together):
        threads = [threading.Thread(target=send, args=(k,)) for k in range(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return reports


def tally(reports: list[dict]) -> dict:
    """The reports' counts (created, updated, skipped, failed), sorted, and the
    error codes given."""
    return {
        "counts": sorted(
            [r.get("created"), r.get("updated"), r.get("skipped"), r.get("failed")]
            for r in reports
        ),
        "codes": dict(
            Counter(
                e["code"]
                for r in reports
                for result in r.get("results", [])
                for e in result["errors"]
            )
        ),
        "exceptions": [r["exception"] for r in reports if "exception" in r],
    }
