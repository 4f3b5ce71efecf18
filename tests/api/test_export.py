"""``GET /api/v1/pools/{pool_id}/users/export``: NDJSON in the import record
shape, hashes only on request with the import scope, streamed in keyset chunks;
and the round trip export → import → export."""

from __future__ import annotations

import hashlib
import json

import bcrypt
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.http import StreamingHttpResponse

from accounts.flows.sign_in import sign_in_password
from core.models import AuditEvent
from identity_pools.models import PoolUser
from identity_pools.transfer.exports import pool_users_export
from tests.factories import IdentityPoolFactory, PoolUserFactory, WorkspaceFactory

from .test_import import post, record


def export(client, pool, query=""):
    response = client.get(f"/api/v1/pools/{pool.pk}/users/export{query}")
    if not isinstance(response, StreamingHttpResponse):
        return response, None
    body = b"".join(response.streaming_content).decode()
    return response, [json.loads(line) for line in body.splitlines()]


def seed(api_client, pool):
    users = [
        record(
            "ann@example.com",
            password_hash=bcrypt.hashpw(b"ann's secret", bcrypt.gensalt(4)).decode(),
            groups=["Staff", "Admins"],
            created_at="2020-02-03T04:05:06+00:00",
        ),
        record(
            "bob@example.com",
            identifiers=[
                {"type": "email", "value": "bob@example.com", "verified": True},
                {"type": "phone", "value": "+447911123456"},
            ],
            password_hash={
                "algorithm": "sha256",
                "salt": "NaCl",
                "salt_position": "after",
                "value": hashlib.sha256(b"bob's secretNaCl").hexdigest(),
            },
            metadata={},
        ),
        record(
            "cat@example.com",
            password_hash=PBKDF2PasswordHasher().encode("cat's secret", "s4lt", 1000),
            must_change_password=True,
        ),
        record("dan@example.com", status="inactive"),
    ]
    body = post(api_client, pool, users, create_groups=True).json()
    assert body["created"] == 4, body
    return body


PASSWORDS = {
    "ann@example.com": "ann's secret",
    "bob@example.com": "bob's secret",
    "cat@example.com": "cat's secret",
}


def test_export_streams_users_in_the_import_shape(api_client, pool):
    created = seed(api_client, pool)
    response, lines = export(api_client, pool)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert [line["id"] for line in lines] == [r["id"] for r in created["results"]]
    ann = lines[0]
    assert ann == {
        "id": created["results"][0]["id"],
        "identifiers": [
            {"type": "email", "value": "ann@example.com", "verified": True}
        ],
        "status": "active",
        "user_data": {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
        "metadata": {},
        "groups": ["Admins", "Staff"],
        "created_at": "2020-02-03T04:05:06+00:00",
    }
    assert all("password_hash" not in line for line in lines)
    assert lines[1]["identifiers"][1] == {
        "type": "phone",
        "value": "+447911123456",
        "verified": False,
    }
    event = AuditEvent.objects.get(action="pool_users.exported")
    assert event.details == {"include_password_hashes": False}


def test_export_with_hashes_needs_the_import_scope(client_for, workspace, pool):
    seed(client_for(workspace), pool)
    reader = client_for(workspace, ("read",))
    response, _ = export(reader, pool, "?include_password_hashes=true")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "scope_missing"
    response, lines = export(
        client_for(workspace, ("read", "import")), pool, "?include_password_hashes=true"
    )
    assert response.status_code == 200
    assert lines[0]["password_hash"].startswith("bcrypt72$$2b$04$")
    assert lines[0]["must_change_password"] is False
    assert lines[2]["must_change_password"] is True
    assert "password_hash" not in lines[3]  # dan has no password


@pytest.mark.parametrize("scopes", [("import",), ("write",)])
def test_export_needs_the_read_scope(client_for, workspace, pool, scopes):
    response, _ = export(client_for(workspace, scopes), pool)
    assert response.status_code == 403


def test_export_of_another_workspace_is_404(client_for, pool):
    PoolUserFactory(pool=pool)
    response, _ = export(client_for(WorkspaceFactory()), pool)
    assert response.status_code == 404


def test_export_reads_in_keyset_chunks(pool, django_assert_num_queries):
    users = [PoolUserFactory(pool=pool) for _ in range(5)]
    # 3 chunks of 2: each 3 queries (users, identifiers, groups); the last
    # chunk is short, so no extra query to find the end.
    with django_assert_num_queries(9):
        records = list(pool_users_export(pool=pool, chunk=2))
    assert [r["id"] for r in records] == sorted(str(u.pk) for u in users)


def test_export_import_round_trip(api_client, workspace, pool):
    """Export with hashes, import into a new pool (without the ids, which this
    installation already uses), export again: equal apart from the ids; every
    user signs in with the original password."""
    seed(api_client, pool)
    _, first = export(api_client, pool, "?include_password_hashes=true")
    copy = IdentityPoolFactory(workspace=workspace)
    records = [{k: v for k, v in line.items() if k != "id"} for line in first]
    body = "\n".join(json.dumps(r) for r in records).encode()
    response = api_client.post(
        f"/api/v1/pools/{copy.pk}/users/import?create_groups=true",
        body,
        content_type="application/x-ndjson",
    )
    assert response.json()["created"] == len(first)
    _, second = export(api_client, copy, "?include_password_hashes=true")

    def without_ids(lines):
        return [{k: v for k, v in line.items() if k != "id"} for line in lines]

    assert without_ids(second) == without_ids(first)
    copy.refresh_from_db()
    assert copy.user_count == 4
    for identifier, password in PASSWORDS.items():
        outcome = sign_in_password(
            pool=copy, identifier=identifier, password=password, ip="10.0.0.2"
        )
        assert outcome.user.pool_id == copy.pk
    _, after = export(api_client, copy, "?include_password_hashes=true")
    assert after[0]["password_hash"].startswith("argon2id$")


def test_export_round_trip_keeps_ids_in_another_installation(api_client, pool):
    """Ids are exported; importing them where they are free keeps them (here:
    after the original users are deleted, as on a fresh installation)."""
    seed(api_client, pool)
    _, first = export(api_client, pool, "?include_password_hashes=true")
    PoolUser.objects.filter(pool=pool).delete()
    type(pool).objects.filter(pk=pool.pk).update(user_count=0)
    body = "\n".join(json.dumps(line) for line in first).encode()
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users/import",
        body,
        content_type="application/x-ndjson",
    )
    assert response.json()["created"] == 4
    _, second = export(api_client, pool, "?include_password_hashes=true")
    assert second == first
