"""``POST /api/v1/pools/{pool_id}/users/import``: records, outcomes, errors,
conflicts, retries, dry runs, groups, limits, scopes and tenancy."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.flows.sign_in import sign_in_password
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Group, GroupMembership, Identifier, PoolUser
from identity_pools.transfer import imports
from tests.factories import (
    GroupFactory,
    IdentityPoolFactory,
    PoolUserFactory,
    WorkspaceFactory,
)


def url(pool) -> str:
    return f"/api/v1/pools/{pool.pk}/users/import"


def record(email: str, **extra) -> dict:
    name = email.split("@")[0].title()
    return {
        "identifiers": [{"type": "email", "value": email, "verified": True}],
        "user_data": {"given_name": name, "family_name": "Lee", "name": f"{name} Lee"},
        **extra,
    }


def post(client, pool, users, **options):
    return client.post(
        url(pool),
        json.dumps({"users": users, **options}),
        content_type="application/json",
    )


def ndjson(client, pool, lines, query=""):
    body = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
    return client.post(
        url(pool) + query, body.encode(), content_type="application/x-ndjson"
    )


def test_import_creates_users_with_identifiers_groups_and_counters(api_client, pool):
    staff = GroupFactory(pool=pool, name="Staff")
    users = [
        record("ann@example.com", groups=["staff"], status="active"),
        record(
            "bob@example.com",
            identifiers=[
                {"type": "email", "value": "Bob@Example.COM"},
                {"type": "phone", "value": "+44 7911 123456", "verified": True},
            ],
            metadata={},
        ),
    ]
    response = post(api_client, pool, users)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["skipped"], body["failed"]) == (
        2,
        0,
        0,
        0,
    )
    assert [r["outcome"] for r in body["results"]] == ["created", "created"]
    assert [r["index"] for r in body["results"]] == [0, 1]
    bob = PoolUser.objects.get(pk=body["results"][1]["id"])
    assert sorted(bob.identifiers.values_list("type", "value", "is_verified")) == [
        ("email", "bob@example.com", False),
        ("phone", "+447911123456", True),
    ]
    assert bob.display_name == "Bob Lee"
    assert not PasswordCredential.objects.filter(user=bob).exists()
    pool.refresh_from_db()
    staff.refresh_from_db()
    assert pool.user_count == 2
    assert staff.member_count == 1
    assert GroupMembership.objects.get(group=staff).user_id == uuid.UUID(
        body["results"][0]["id"]
    )
    events = AuditEvent.objects.filter(action="pool_users.imported")
    assert events.count() == 1  # one event for the request, not one per user
    assert events.get().details["created"] == 2
    assert not AuditEvent.objects.filter(action="pool_user.created").exists()


def test_import_ndjson_takes_options_from_the_query(api_client, pool):
    response = ndjson(
        api_client,
        pool,
        [record("ann@example.com", groups=["New group"]), "", "{not json"],
        "?create_groups=true",
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["outcome"] == "created"
    assert results[1]["outcome"] == "error"
    assert results[1]["errors"][0]["code"] == "json_invalid"
    assert Group.objects.get(pool=pool).name == "New group"


@pytest.mark.parametrize(
    ("bad", "code", "path"),
    [
        (
            {"identifiers": [{"type": "email", "value": "not an address"}]},
            "identifier_invalid",
            "/identifiers/0/value",
        ),
        (
            {"identifiers": [{"type": "phone", "value": "ann@example.org"}]},
            "identifier_type_mismatch",
            "/identifiers/0/type",
        ),
        ({"identifiers": []}, "identifiers_required", "/identifiers"),
        ({"user_data": {"given_name": ""}}, "data_length", "/user_data/given_name"),
        ({"user_data": {"given_name": "A", "name": "A"}}, "data_required", None),
        ({"user_data": {"given_name": 5}}, "data_type", "/user_data/given_name"),
        ({"password_hash": "md5$$abc"}, "password_hash_unknown", "/password_hash"),
        (
            {"password_hash": "$2b$12$short"},
            "password_hash_malformed",
            "/password_hash",
        ),
        (
            {"password": "x", "password_hash": "y"},
            "password_conflict",
            "/password_hash",
        ),
        ({"groups": ["Nobody"]}, "group_unknown", "/groups/0"),
        ({"status": "gone"}, "status_invalid", "/status"),
        ({"id": "not-a-uuid"}, "id_invalid", "/id"),
        ({"pasword": "typo"}, "field_unknown", "/pasword"),
        ({"user_data": {"given_name": "A\u0000"}}, "text_invalid", None),
        ({"groups": ["Sta\ud800ff"]}, "text_invalid", "/groups/0"),
        ({"password": "pass\u0000word"}, "text_invalid", "/password"),
        (
            {"identifiers": [{"value": "a\u0000b@example.com"}]},
            "identifier_invalid",
            "/identifiers/0/value",
        ),
        ({"metadata": {"note\u0000": 1}}, "text_invalid", None),
        ({"created_at": "2024-05-01"}, "created_at_invalid", "/created_at"),
        ({"must_change_password": "yes"}, "type_invalid", "/must_change_password"),
    ],
)
def test_import_bad_record_is_its_own_error(api_client, pool, bad, code, path):
    users = [
        record("ann@example.com"),
        {**record("bad@example.com"), **bad},
        record("cat@example.com"),
    ]
    body = post(api_client, pool, users).json()
    assert (body["created"], body["failed"]) == (2, 1)
    failed = body["results"][1]
    assert failed["outcome"] == "error"
    assert code in [e["code"] for e in failed["errors"]]
    if path is not None:
        assert path in [e["path"] for e in failed["errors"]]
    # Nothing of the bad record was written: no user, no identifier.
    assert not Identifier.objects.filter(value="bad@example.com").exists()
    assert PoolUser.objects.filter(pool=pool).count() == 2


def test_import_reports_every_error_of_a_record(api_client, pool):
    bad = {
        "identifiers": [{"value": "nope"}, {"value": "ann@example.com"}],
        "user_data": {"given_name": 7},
        "password_hash": {"algorithm": "whirlpool"},
    }
    errors = post(api_client, pool, [bad]).json()["results"][0]["errors"]
    assert {e["path"] for e in errors} >= {
        "/identifiers/0/value",
        "/user_data/given_name",
        "/password_hash/algorithm",
    }


def test_import_duplicates_in_a_request_fail_the_later_record(api_client, pool):
    same_id = str(uuid.uuid4())
    users = [
        record("ann@example.com", id=same_id),
        record("ANN@example.com"),
        record("bob@example.com", id=same_id),
        {
            **record("cat@example.com"),
            "identifiers": [
                {"value": "cat@example.com"},
                {"value": "Cat@Example.com"},
            ],
        },
    ]
    results = post(api_client, pool, users).json()["results"]
    assert [r["outcome"] for r in results] == ["created", "error", "error", "error"]
    assert results[0]["id"] == same_id
    assert results[1]["errors"][0]["code"] == "duplicate"
    assert results[1]["errors"][0]["path"] == "/identifiers/0/value"
    assert results[2]["errors"][0]["path"] == "/id"
    assert results[3]["errors"][0]["path"] == "/identifiers/1/value"


def test_import_retry_by_id_is_idempotent(api_client, pool):
    users = [
        record("ann@example.com", id=str(uuid.uuid4())),
        record("bob@example.com", id=str(uuid.uuid4()), groups=["G"]),
    ]
    first = post(api_client, pool, users, create_groups=True).json()
    again = post(api_client, pool, users, create_groups=True).json()
    assert first["created"] == 2
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 0)
    assert [r["id"] for r in again["results"]] == [u["id"] for u in users]
    update = post(api_client, pool, users, on_conflict="update").json()
    assert (update["updated"], update["failed"]) == (2, 0)
    pool.refresh_from_db()
    assert pool.user_count == 2
    assert Group.objects.get(pool=pool).member_count == 1
    assert Identifier.objects.filter(pool=pool).count() == 2


def test_import_on_conflict_error_skip_update(api_client, pool):
    existing = PoolUserFactory(pool=pool, email="ann@example.com")
    group = GroupFactory(pool=pool, name="Staff")
    changed = record(
        "ann@example.com",
        status="inactive",
        groups=["Staff"],
        identifiers=[
            {"value": "ann@example.com", "verified": True},
            {"value": "+447911123456"},
        ],
        password_hash=make_password("new secret"),
    )
    refused = post(api_client, pool, [changed]).json()["results"][0]
    assert refused["outcome"] == "error"
    assert refused["errors"][0] == {
        "code": "identifier_taken",
        "message": refused["errors"][0]["message"],
        "path": "/identifiers/0/value",
    }
    skipped = post(api_client, pool, [changed], on_conflict="skip").json()
    assert skipped["results"][0]["outcome"] == "skipped"
    assert skipped["results"][0]["id"] == str(existing.pk)
    existing.refresh_from_db()
    assert existing.status == "active"

    updated = post(api_client, pool, [changed], on_conflict="update").json()
    assert updated["results"][0] == {
        "index": 0,
        "id": str(existing.pk),
        "outcome": "updated",
        "errors": [],
    }
    existing.refresh_from_db()
    assert existing.status == "inactive"
    assert existing.display_name == "Ann Lee"
    assert sorted(existing.identifiers.values_list("value", "is_verified")) == [
        ("+447911123456", False),
        ("ann@example.com", True),
    ]
    assert existing.password_credential.password.startswith("argon2id$")
    group.refresh_from_db()
    pool.refresh_from_db()
    assert (group.member_count, pool.user_count) == (1, 1)


def test_import_update_refuses_identifiers_of_two_users(api_client, pool):
    PoolUserFactory(pool=pool, email="ann@example.com")
    PoolUserFactory(pool=pool, email="bob@example.com")
    both = record(
        "ann@example.com",
        identifiers=[{"value": "ann@example.com"}, {"value": "bob@example.com"}],
    )
    result = post(api_client, pool, [both], on_conflict="update").json()["results"][0]
    assert result["errors"][0]["code"] == "identifier_conflict"


def test_import_id_of_another_pool_is_an_error(api_client, pool, workspace):
    other = PoolUserFactory(pool=IdentityPoolFactory(workspace=workspace))
    result = post(api_client, pool, [record("ann@example.com", id=str(other.pk))])
    assert result.json()["results"][0]["errors"][0]["code"] == "id_taken"


def test_import_dry_run_writes_nothing(api_client, pool):
    users = [record("ann@example.com", groups=["New"]), record("bad")]
    body = post(api_client, pool, users, dry_run=True, create_groups=True).json()
    assert [r["outcome"] for r in body["results"]] == ["created", "error"]
    assert not PoolUser.objects.filter(pool=pool).exists()
    assert not Group.objects.filter(pool=pool).exists()
    assert not AuditEvent.objects.filter(action="pool_users.imported").exists()
    pool.refresh_from_db()
    assert pool.user_count == 0


def test_import_plain_password_is_hashed_with_argon2id(api_client, pool):
    users = [
        record("ann@example.com", password="correct horse", must_change_password=True)
    ]
    result = post(api_client, pool, users).json()["results"][0]
    credential = PasswordCredential.objects.get(user_id=result["id"])
    assert credential.password.startswith("argon2id$")
    assert credential.state == "must_change"
    outcome = sign_in_password(
        pool=pool, identifier="ann@example.com", password="correct horse", ip="10.0.0.1"
    )
    assert outcome.must_change


@pytest.mark.parametrize(
    "on_conflict, outcome",
    [("error", "error"), ("skip", "skipped"), ("update", "updated")],
)
def test_import_a_record_that_lost_a_race_is_decided_again(
    api_client, pool, monkeypatch, on_conflict, outcome
):
    """The unique constraint is the final guard: when another writer took an
    identifier after the check, that record (only) is decided again against
    the winner's user, as ``on_conflict`` says; the others are written."""
    winner = PoolUserFactory(pool=pool, email="taken@example.com")
    real = imports._owners
    calls = []

    def blind_at_the_check(pool, records):  # as if the row came just after it
        owners, pools = real(pool, records)
        calls.append(len(records))
        return ({} if len(calls) == 1 else owners), pools

    monkeypatch.setattr(imports, "_owners", blind_at_the_check)
    users = [
        record("ann@example.com"),
        record("taken@example.com", status="inactive"),
        record("c@x.org"),
    ]
    body = post(api_client, pool, users, on_conflict=on_conflict).json()
    assert [r["outcome"] for r in body["results"]] == ["created", outcome, "created"]
    lost = body["results"][1]
    if outcome == "error":
        assert [e["code"] for e in lost["errors"]] == ["identifier_taken"]
        assert lost["id"] is None
    else:
        assert (lost["id"], lost["errors"]) == (str(winner.pk), [])
    winner.refresh_from_db()
    assert winner.status == ("inactive" if outcome == "updated" else "active")
    pool.refresh_from_db()
    assert pool.user_count == 3
    details = AuditEvent.objects.get(action="pool_users.imported").details
    assert details["failed"] == (1 if outcome == "error" else 0)
    assert details["created"] == 2 and details.get(outcome, 1) == 1


def test_import_over_the_limit_is_413(api_client, pool):
    users = [{"identifiers": []}] * 10_001
    response = post(api_client, pool, users)
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["code"] == "too_large"
    assert "10,000" in error["message"]
    response = ndjson(api_client, pool, ["{}"] * 10_001)
    assert response.status_code == 413


def test_import_ten_thousand_records_in_one_request(api_client, pool):
    users = [
        {
            "identifiers": [{"value": f"user{i}@example.com"}],
            "user_data": {"given_name": "U", "family_name": f"N{i}", "name": f"U {i}"},
            "password_hash": "pbkdf2_sha256$1000$salt$"
            "K5HI6K6vVQ7ddaBd+HMwZSPnkVQOWZWy6TVnsM2tnEo=",
        }
        for i in range(10_000)
    ]
    body = json.dumps({"users": users}, indent=1)
    assert len(body) > 2_621_440  # over Django's default DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api_client.post(url(pool), body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["created"] == 10_000
    pool.refresh_from_db()
    assert pool.user_count == 10_000


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "json_invalid"),
        ('{"users": {}}', "application/json", 400, "body_invalid"),
        ('{"users": [], "extra": 1}', "application/json", 400, "body_invalid"),
        (
            '{"users": [], "on_conflict": "merge"}',
            "application/json",
            400,
            "option_invalid",
        ),
        ('{"users": [], "dry_run": "yes"}', "application/json", 400, "option_invalid"),
        (
            '{"users": [{"user_data": {"x": NaN}}]}',
            "application/json",
            400,
            "json_invalid",
        ),
        ("users", "text/plain", 415, "content_type_unsupported"),
    ],
)
def test_import_refuses_a_bad_body(api_client, pool, body, content_type, status, code):
    response = api_client.post(url(pool), body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code


def test_import_errors_quoting_lone_surrogates_are_still_json(api_client, pool):
    bad = {
        "identifiers": [{"type": "\ud800", "value": "+44 7911 12345\udfff"}],
        "id": "\udc00",
        "\ud801": 1,
    }
    response = post(api_client, pool, [bad])
    assert response.status_code == 200
    errors = response.json()["results"][0]["errors"]
    assert {e["path"] for e in errors} >= {"/id", "/identifiers/0/value"}


def test_import_ndjson_bad_option_is_400(api_client, pool):
    response = ndjson(api_client, pool, [record("a@example.com")], "?on_conflict=merge")
    assert response.status_code == 400


@pytest.mark.parametrize("scopes", [("read",), ("read", "write")])
def test_import_needs_the_import_scope(client_for, workspace, pool, scopes):
    response = post(client_for(workspace, scopes), pool, [record("a@example.com")])
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "scope_missing"


def test_import_needs_a_token(pool):
    from tests.api.conftest import ApiClient

    response = post(ApiClient(None), pool, [record("a@example.com")])
    assert response.status_code == 401


def test_import_into_another_workspace_is_404(client_for, pool):
    stranger = client_for(WorkspaceFactory())
    response = post(stranger, pool, [record("a@example.com")])
    assert response.status_code == 404
    assert not PoolUser.objects.filter(pool=pool).exists()


_LOCAL = st.text(
    alphabet=st.sampled_from("abcXYZ09._+-!#'\"(),:;<>[]\\ @é\u200b\x00"),
    min_size=0,
    max_size=12,
)
_DOMAIN = st.sampled_from(
    [
        "example.com",
        "EXAMPLE.com",
        "xn--exmple-cua.com",
        "exämple.com",
        "localhost",
        "-bad-.com",
        "a..b",
        "[127.0.0.1]",
        "ex_ample.com",
        "x" * 64 + ".com",
        "example.com.",
        "",
    ]
)


def _reference_normalise(raw: str) -> str:
    """``email_normalise`` as it was before its domain cache and its shortcut
    for plain ASCII: the property below holds them to it."""
    import unicodedata

    import idna
    from django.core.validators import EmailValidator

    from core.addresses import MAX_EMAIL_LENGTH, _invisible_character
    from core.catalogue import error

    text = unicodedata.normalize("NFC", (raw or "").strip())
    shown = text[:100]
    invisible = _invisible_character(text)
    if invisible:
        raise error("email_invisible", value=shown, char=invisible)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise error("email_invalid", value=shown)
    if domain.startswith("["):
        raise error("email_literal", value=shown)
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        unicode_domain = idna.decode(ascii_domain)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise error("email_domain", value=shown) from exc
    if "." not in ascii_domain:
        raise error("email_domain.no_dot", value=shown)
    ascii_form = f"{local}@{ascii_domain}"
    try:
        EmailValidator(allowlist=[])(ascii_form)
    except ValidationError as exc:
        raise error("email_invalid", value=shown) from exc
    if len(ascii_form) > MAX_EMAIL_LENGTH:
        raise error("email_invalid.too_long", max=MAX_EMAIL_LENGTH)
    return f"{local.lower()}@{unicode_domain}"


@given(local=_LOCAL, domain=_DOMAIN, pad=st.sampled_from(["", " ", "\t"]))
def test_email_normalise_fast_paths_agree_with_the_reference(local, domain, pad):
    from core.addresses import email_normalise

    raw = f"{pad}{local}@{domain}{pad}"
    try:
        expected = ("ok", _reference_normalise(raw))
    except ValidationError as exc:
        expected = ("error", exc.code, exc.messages)
    try:
        got = ("ok", email_normalise(raw))
    except ValidationError as exc:
        got = ("error", exc.code, exc.messages)
    assert got == expected
