"""``/api/v1/pools``: create, read, change and delete pools through the console's
services, with the token as the audit actor."""

from __future__ import annotations

import json

import pytest

from core.models import ActorType, AuditEvent
from identity_pools.models import (
    BUILTIN_METADATA_SCHEMA_ID,
    BUILTIN_USER_DATA_SCHEMA_ID,
    IdentityPool,
)
from tests.factories import (
    IdentityPoolFactory,
    PoolUserFactory,
    UserSchemaFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"


def codes(response):
    return [e["code"] for e in response.json()["errors"]]


def send(client, method, path, body=None):
    data = body if isinstance(body, str | bytes) else json.dumps(body or {})
    return getattr(client, method)(path, data, content_type=JSON)


def last_event(workspace, action):
    return AuditEvent.objects.filter(workspace_id=workspace.pk, action=action).latest(
        "id"
    )


def test_pool_create_uses_the_service_and_records_the_token(api_client, workspace):
    response = send(
        api_client, "post", "/api/v1/pools", {"name": " Shop ", "description": "d"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pool = IdentityPool.objects.get(pk=body["id"])
    assert (pool.workspace, pool.name, body["name"]) == (workspace, "Shop", "Shop")
    assert body["user_schema_id"] == str(BUILTIN_USER_DATA_SCHEMA_ID)
    assert body["metadata_schema_id"] == str(BUILTIN_METADATA_SCHEMA_ID)
    event = last_event(workspace, "pool.created")
    assert event.actor_type == ActorType.API_TOKEN
    assert event.actor_label  # the token's name, not "system"


def test_pool_create_with_a_schema_of_the_workspace(api_client, workspace):
    schema = UserSchemaFactory(workspace=workspace)
    response = send(
        api_client,
        "post",
        "/api/v1/pools",
        {"name": "Shop", "user_schema_id": str(schema.pk)},
    )
    assert response.status_code == 201
    assert response.json()["user_schema_id"] == str(schema.pk)
    assert IdentityPool.objects.get(name="Shop").user_schema == schema


def test_pool_create_refuses_a_taken_name_in_any_case(api_client, pool):
    response = send(api_client, "post", "/api/v1/pools", {"name": pool.name.upper()})
    assert response.status_code == 400
    assert response.json()["errors"][0] | {"message": ""} == {
        "code": "pool_name_taken",
        "message": "",
        "path": "/name",
    }


@pytest.mark.parametrize("which", ["foreign", "wrong kind"])
def test_pool_create_refuses_a_schema_it_cannot_use_and_writes_nothing(
    api_client, workspace, which
):
    if which == "foreign":
        schema_id = UserSchemaFactory(workspace=WorkspaceFactory()).pk
        code = "not_found"
    else:
        schema_id = BUILTIN_METADATA_SCHEMA_ID
        code = "invalid"
    response = send(
        api_client,
        "post",
        "/api/v1/pools",
        {"name": "Shop", "user_schema_id": str(schema_id)},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/user_schema_id"
    assert codes(response) == [code]
    assert not IdentityPool.objects.filter(workspace=workspace).exists()


def test_pool_update_changes_only_what_is_given(api_client, pool):
    response = send(
        api_client, "patch", f"/api/v1/pools/{pool.pk}", {"description": "New"}
    )
    assert response.status_code == 200
    pool.refresh_from_db()
    assert (pool.description, response.json()["name"]) == ("New", pool.name)
    event = last_event(pool.workspace, "pool.updated")
    assert event.actor_type == ActorType.API_TOKEN
    assert event.details["changes"].keys() == {"description"}


def test_pool_update_schemas_refused_when_users_break_unless_forced(
    api_client, workspace, pool
):
    PoolUserFactory(pool=pool, user_data={"given_name": "Ann"})
    strict = UserSchemaFactory(
        workspace=workspace,
        document={
            "type": "object",
            "properties": {"nickname": {"type": "string", "title": "Nickname"}},
            "required": ["nickname"],
        },
    )
    body = {"name": "Renamed", "user_schema_id": str(strict.pk)}
    response = send(api_client, "patch", f"/api/v1/pools/{pool.pk}", body)
    assert response.status_code == 400
    assert codes(response) == ["schema_breaks_users"]
    pool.refresh_from_db()
    # All or nothing: the rename is not kept either.
    assert pool.name != "Renamed" and pool.user_schema_id == BUILTIN_USER_DATA_SCHEMA_ID

    response = send(
        api_client, "patch", f"/api/v1/pools/{pool.pk}", body | {"force": True}
    )
    assert response.status_code == 200, response.content
    pool.refresh_from_db()
    assert (pool.name, pool.user_schema_id) == ("Renamed", strict.pk)
    assert last_event(workspace, "pool.schemas_changed").details["failing_users"] == 1


def test_pool_update_refuses_a_taken_name(api_client, workspace, pool):
    other = IdentityPoolFactory(workspace=workspace)
    response = send(
        api_client, "patch", f"/api/v1/pools/{pool.pk}", {"name": other.name}
    )
    assert response.status_code == 400 and codes(response) == ["pool_name_taken"]


def test_pool_delete(api_client, workspace, pool):
    PoolUserFactory(pool=pool)
    response = api_client.delete(f"/api/v1/pools/{pool.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not IdentityPool.objects.filter(pk=pool.pk).exists()
    event = last_event(workspace, "pool.deleted")
    assert (event.actor_type, event.details["users"]) == (ActorType.API_TOKEN, 1)
    assert api_client.get(f"/api/v1/pools/{pool.pk}").status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("post", "", {"name": "New"}),
        ("patch", "/{pool}", {"name": "New"}),
        ("delete", "/{pool}", None),
    ],
)
def test_pool_writes_need_the_write_scope(
    client_for, workspace, pool, method, suffix, body
):
    client = client_for(workspace, scopes=["read", "import"])
    response = send(client, method, "/api/v1/pools" + suffix.format(pool=pool.pk), body)
    assert response.status_code == 403 and codes(response) == ["scope_missing"]
    pool.refresh_from_db()
    assert IdentityPool.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Shop", "description": "x" * 1001}, "description"),
        ({"name": 12}, "name"),
        ({"name": "Shop", "colour": "red"}, "colour"),
        ({"name": "Shop", "user_schema_id": "not-a-uuid"}, "user_schema_id"),
        ({}, "name"),
    ],
)
def test_pool_create_refuses_bad_input_with_a_400(api_client, workspace, body, path):
    # ensure_ascii keeps the lone surrogate as the escape \ud800, as a client sends it
    response = send(api_client, "post", "/api/v1/pools", json.dumps(body))
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["code"] == "invalid" and error["message"]
    assert error["path"].endswith("/" + path)
    assert not IdentityPool.objects.filter(workspace=workspace).exists()


def test_a_shape_error_points_into_the_body(api_client):
    response = send(api_client, "post", "/api/v1/pools", {"name": "x", "colour": 1})
    assert response.json()["errors"][0]["path"] == "/colour"


@pytest.mark.parametrize("body", ["not json", "[" * 5000, b"\xff\xfe"])
def test_an_unreadable_body_is_a_400_not_a_500(api_client, workspace, body):
    response = send(api_client, "post", "/api/v1/pools", body)
    assert response.status_code == 400
