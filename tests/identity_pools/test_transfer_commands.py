"""``manage.py import_users`` and ``manage.py export_users``: the three file
formats, the failed-records file fed back after fixing, dry runs, and a file
exported from one pool imported into another."""

from __future__ import annotations

import io
import json

import bcrypt
import pytest
from django.core.management import CommandError, call_command

from accounts.flows.sign_in import sign_in_password
from core.models import AuditEvent
from identity_pools.models import Group, PoolUser
from identity_pools.transfer import imports
from identity_pools.transfer.files import read_records
from tests.factories import IdentityPoolFactory

HASH = bcrypt.hashpw(b"s3cret!", bcrypt.gensalt(4)).decode()


def good(i: int, **extra) -> dict:
    return {
        "identifiers": [{"type": "email", "value": f"user{i}@example.com"}],
        "user_data": {"given_name": "U", "family_name": f"N{i}", "name": f"U N{i}"},
        "password_hash": HASH,
        **extra,
    }


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


@pytest.fixture
def pool(db):
    return IdentityPoolFactory()


def test_import_users_ndjson_with_failures_file_fed_back(tmp_path, pool):
    source = tmp_path / "users.ndjson"
    records = [good(0), good(1, groups=["Nobody"]), good(2), good(3)]
    records[3]["identifiers"][0]["value"] = "not an address"
    lines = [json.dumps(r) for r in records] + ["{broken"]
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match="3 records failed"):
        run("import_users", "--pool", str(pool.pk), str(source), "--batch", "2")
    assert PoolUser.objects.filter(pool=pool).count() == 2
    failed_path = tmp_path / "users.ndjson.failed.ndjson"
    failed = [json.loads(line) for line in failed_path.read_text().splitlines()]
    assert [f["_index"] for f in failed] == [1, 3, 4]
    assert failed[0]["_errors"][0]["code"] == "group_unknown"
    assert failed[1]["_errors"][0]["path"] == "/identifiers/0/value"
    assert failed[2]["_text"] == "{broken"
    # One audit event per batch (three batches of at most 2).
    assert AuditEvent.objects.filter(action="pool_users.imported").count() == 3

    # Fix the file and feed it back in as it is (its "_" keys are ignored).
    failed[1]["identifiers"][0]["value"] = "user3@example.com"
    fixed = tmp_path / "fixed.ndjson"
    fixed.write_text("\n".join(json.dumps(f) for f in failed[:2]) + "\n")
    out = run("import_users", "--pool", str(pool.pk), str(fixed), "--create-groups")
    assert "2 created" in out and "0 failed" in out
    assert Group.objects.get(pool=pool).name == "Nobody"
    pool.refresh_from_db()
    assert pool.user_count == 4
    sign_in_password(
        pool=pool, identifier="user3@example.com", password="s3cret!", ip="10.0.0.3"
    )


def test_import_users_json_array_is_read_incrementally(tmp_path, pool, monkeypatch):
    monkeypatch.setattr("identity_pools.transfer.files.READ_SIZE", 7)
    # and the statistics refreshed after the import (normally at 100,000 users)
    monkeypatch.setattr(
        "identity_pools.management.commands.import_users.ANALYSE_AFTER", 1
    )
    source = tmp_path / "users.json"
    source.write_text(json.dumps([good(i) for i in range(5)], indent=2))
    out = run("import_users", "--pool", str(pool.pk), str(source))
    assert "5 created" in out
    assert PoolUser.objects.filter(pool=pool).count() == 5


def test_import_users_json_array_numbers_across_chunks(monkeypatch):
    monkeypatch.setattr("identity_pools.transfer.files.READ_SIZE", 3)
    values = list(read_records(io.BytesIO(b'[12345, {"a": [1, 2]}, "x" ]'), "json"))
    assert values == [12345, {"a": [1, 2]}, "x"]


def test_import_users_bad_json_array_is_a_command_error(tmp_path, pool):
    source = tmp_path / "users.json"
    source.write_text('{"users": []}')
    with pytest.raises(CommandError, match="not a valid json file"):
        run("import_users", "--pool", str(pool.pk), str(source))


def test_import_users_csv(tmp_path, pool):
    Group.objects.create(pool=pool, name="Staff")
    source = tmp_path / "users.csv"
    source.write_text(
        "email,email_verified,phone,status,user_data.given_name,user_data.family_name,"
        "user_data.name,groups,password_hash,must_change_password\n"
        f"ann@example.com,true,+447911123456,active,Ann,Lee,Ann Lee,Staff,{HASH},yes\n"
        'bob@example.com,,,inactive,Bob,Ray,Bob Ray,,"{""algorithm"": ""md5"", '
        '""value"": ""00""}",\n'
    )
    with pytest.raises(CommandError, match="1 record failed"):
        run("import_users", "--pool", str(pool.pk), str(source))
    ann = PoolUser.objects.get(pool=pool)
    assert ann.user_data == {
        "given_name": "Ann",
        "family_name": "Lee",
        "name": "Ann Lee",
    }
    assert sorted(ann.identifiers.values_list("value", "is_verified")) == [
        ("+447911123456", False),
        ("ann@example.com", True),
    ]
    assert ann.password_credential.state == "must_change"
    assert Group.objects.get(pool=pool).member_count == 1
    failed = (tmp_path / "users.csv.failed.ndjson").read_text()
    assert json.loads(failed)["_errors"][0]["path"] == "/password_hash/value"


def test_import_users_csv_unknown_column_is_refused(tmp_path, pool):
    source = tmp_path / "users.csv"
    source.write_text("email,nickname\nann@example.com,A\n")
    with pytest.raises(CommandError, match="unknown columns nickname"):
        run("import_users", "--pool", str(pool.pk), str(source))


def test_import_users_dry_run(tmp_path, pool):
    source = tmp_path / "users.ndjson"
    source.write_text(json.dumps(good(1)) + "\n")
    out = run("import_users", "--pool", str(pool.pk), str(source), "--dry-run")
    assert "1 created" in out and "dry run" in out
    assert not PoolUser.objects.filter(pool=pool).exists()


def test_import_users_unknown_pool(tmp_path, db):
    with pytest.raises(CommandError, match="No pool"):
        run(
            "import_users",
            "--pool",
            "00000000-0000-4000-8000-00000000ffff",
            str(tmp_path / "x"),
        )


def test_import_users_feeds_batches_of_at_most_the_limit(tmp_path, pool, monkeypatch):
    sizes = []
    real = imports.pool_users_import

    def spy(**kwargs):
        sizes.append(len(kwargs["records"]))
        return real(**kwargs)

    monkeypatch.setattr(
        "identity_pools.management.commands.import_users.pool_users_import", spy
    )
    source = tmp_path / "users.ndjson"
    source.write_text("\n".join(json.dumps(good(i)) for i in range(7)))
    run("import_users", "--pool", str(pool.pk), str(source), "--batch", "3")
    assert sizes == [3, 3, 1]


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_export_users_then_import_into_another_pool(tmp_path, pool, fmt):
    source = tmp_path / "users.ndjson"
    source.write_text("\n".join(json.dumps(good(i, groups=["G"])) for i in range(3)))
    run("import_users", "--pool", str(pool.pk), str(source), "--create-groups")
    exported = tmp_path / f"export.{fmt}"
    out = run(
        "export_users",
        "--pool",
        str(pool.pk),
        str(exported),
        "--include-password-hashes",
    )
    assert "Exported 3 users" in out
    records = list(read_records(exported.open("rb"), fmt))
    assert [r["identifiers"][0]["value"] for r in records] == [
        f"user{i}@example.com" for i in range(3)
    ]
    assert records[0]["password_hash"] == "bcrypt72$" + HASH
    # Into another pool of this installation: without the ids (they are taken).
    stripped = tmp_path / "stripped.ndjson"
    stripped.write_text(
        "\n".join(
            json.dumps({k: v for k, v in r.items() if k != "id"}) for r in records
        )
    )
    other = IdentityPoolFactory(workspace=pool.workspace)
    run("import_users", "--pool", str(other.pk), str(stripped), "--create-groups")
    assert other.users.count() == 3
    sign_in_password(
        pool=other, identifier="user2@example.com", password="s3cret!", ip="10.0.0.4"
    )


def test_export_users_to_stdout_without_hashes(pool):
    from identity_pools.transfer.imports import pool_users_import

    pool_users_import(pool=pool, actor=None, records=[good(1)])
    out = run("export_users", "--pool", str(pool.pk))
    (line,) = out.splitlines()
    assert "password_hash" not in json.loads(line)
