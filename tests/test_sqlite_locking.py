"""SQLite (the quick-start database) waits for its lock instead of failing with
"database is locked" when two requests write at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from config.database import database_from_url

ROOT = Path(__file__).resolve().parent.parent

# Two owners demote each other at the same moment, in two threads with their own
# connections, on a real SQLite file. The first to read the owners holds the
# lock while it waits; the other must wait for it, then see one owner left.
SCRIPT = textwrap.dedent(
    """
    import json, threading, time
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    call_command("migrate", verbosity=0)
    from django.core.exceptions import ValidationError
    from tests.factories import MembershipFactory, WorkspaceFactory
    from workspaces import services
    from workspaces.models import Membership

    workspace = WorkspaceFactory()
    a = MembershipFactory(workspace=workspace, role="owner")
    b = MembershipFactory(workspace=workspace, role="owner")
    connection.close()

    real_lock_owners = services._lock_owners

    def slow_lock_owners(ws):
        owners = real_lock_owners(ws)
        time.sleep(0.5)  # both requests are now past their first read
        return owners

    services._lock_owners = slow_lock_owners
    outcomes = {}

    def demote(target, actor, key, delay):
        time.sleep(delay)
        try:
            services.membership_change_role(
                membership=Membership.objects.get(pk=target.pk),
                actor=actor.operator,
                role="viewer",
            )
            outcomes[key] = "demoted"
        except ValidationError as exc:
            outcomes[key] = exc.code
        except Exception as exc:
            outcomes[key] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(a, b, "a", 0)),
        threading.Thread(target=demote, args=(b, a, "b", 0.1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    owners = Membership.objects.filter(workspace=workspace, role="owner").count()
    print(json.dumps({"outcomes": outcomes, "owners": owners}))
    """
)


def test_sqlite_waits_for_the_lock(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(report["outcomes"].values()) == ["demoted", "last_owner"], report
    assert report["owners"] == 1


def test_sqlite_settings_begin_immediate():
    config = database_from_url("sqlite:////tmp/x.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 5
    postgres = database_from_url("postgres://u@h/db")
    assert "transaction_mode" not in postgres.get("OPTIONS", {})
