"""``/api/v1/schemas``: the user schemas' services' rules through the API."""

from __future__ import annotations

import pytest

from core.models import ActorType, AuditEvent
from identity_pools.models import (
    BUILTIN_METADATA_SCHEMA_ID,
    BUILTIN_USER_DATA_SCHEMA_ID,
    UserSchema,
)
from tests.api.test_api_pools import codes, send
from tests.factories import (
    IdentityPoolFactory,
    PoolUserFactory,
    UserSchemaFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db

NICKNAME = {
    "type": "object",
    "properties": {"nickname": {"type": "string", "title": "Nickname"}},
}


def test_schema_list_shows_the_workspace_and_builtin_schemas(api_client, workspace):
    own = UserSchemaFactory(workspace=workspace, name="Ours")
    UserSchemaFactory(workspace=WorkspaceFactory(), name="Theirs")
    response = api_client.get("/api/v1/schemas")
    assert response.status_code == 200
    ids = {s["id"] for s in response.json()}
    assert ids == {
        str(own.pk),
        str(BUILTIN_USER_DATA_SCHEMA_ID),
        str(BUILTIN_METADATA_SCHEMA_ID),
    }
    metadata = api_client.get("/api/v1/schemas?kind=metadata").json()
    assert [(s["id"], s["is_builtin"]) for s in metadata] == [
        (str(BUILTIN_METADATA_SCHEMA_ID), True)
    ]


def test_schema_create_keeps_the_document_and_records_the_token(api_client, workspace):
    document = {
        "type": "object",
        "properties": {
            "zeta": {"type": "string", "title": "Zeta"},
            "alpha": {"type": "string", "title": "Alpha"},
        },
    }
    response = send(
        api_client,
        "post",
        "/api/v1/schemas",
        {"name": "Members", "kind": "user_data", "document": document},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert list(body["document"]["properties"]) == ["zeta", "alpha"]
    schema = UserSchema.objects.get(pk=body["id"])
    assert schema.workspace == workspace and not body["is_builtin"]
    event = AuditEvent.objects.get(action="user_schema.created")
    assert event.actor_type == ActorType.API_TOKEN


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        (
            {"name": "Default user data", "kind": "user_data", "document": NICKNAME},
            "schema_name_taken",
            "/name",
        ),
        (
            {"name": "S", "kind": "user_data", "document": {"type": "string"}},
            None,
            "/document",
        ),
    ],
)
def test_schema_create_refusals(api_client, workspace, body, code, path):
    builtin = UserSchema.objects.get(pk=BUILTIN_USER_DATA_SCHEMA_ID)
    if code == "schema_name_taken":
        body["name"] = builtin.name.upper()
    response = send(api_client, "post", "/api/v1/schemas", body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert {e["path"] for e in errors} == {path}
    if code:
        assert codes(response) == [code]
    assert not UserSchema.objects.filter(workspace=workspace).exists()


def test_schema_read_builtin_and_own_but_not_foreign(api_client, workspace):
    assert (
        api_client.get(f"/api/v1/schemas/{BUILTIN_USER_DATA_SCHEMA_ID}").status_code
        == 200
    )
    own = UserSchemaFactory(workspace=workspace)
    assert api_client.get(f"/api/v1/schemas/{own.pk}").json()["name"] == own.name
    theirs = UserSchemaFactory(workspace=WorkspaceFactory())
    response = api_client.get(f"/api/v1/schemas/{theirs.pk}")
    assert response.status_code == 404 and codes(response) == ["not_found"]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_builtin_schemas_are_read_only(api_client, method):
    path = f"/api/v1/schemas/{BUILTIN_USER_DATA_SCHEMA_ID}"
    response = send(api_client, method, path, {"name": "Mine"})
    assert response.status_code == 400 and codes(response) == ["schema_builtin"]
    assert UserSchema.objects.filter(pk=BUILTIN_USER_DATA_SCHEMA_ID).exists()


def test_schema_update_checks_the_users_of_the_pools_using_it(api_client, workspace):
    schema = UserSchemaFactory(workspace=workspace, document=NICKNAME)
    pool = IdentityPoolFactory(workspace=workspace, user_schema=schema)
    PoolUserFactory(pool=pool, user_data={"nickname": "ann"})
    strict = {**NICKNAME, "required": ["nickname", "age"]}
    strict["properties"] = {
        **NICKNAME["properties"],
        "age": {"type": "integer", "title": "Age"},
    }
    path = f"/api/v1/schemas/{schema.pk}"
    response = send(api_client, "patch", path, {"document": strict})
    assert response.status_code == 400 and codes(response) == ["schema_breaks_users"]
    schema.refresh_from_db()
    assert schema.document == NICKNAME

    response = send(api_client, "patch", path, {"document": strict, "force": True})
    assert response.status_code == 200
    assert response.json()["document"]["required"] == ["nickname", "age"]
    event = AuditEvent.objects.get(action="user_schema.updated")
    assert event.details["users_failing"] == 1 and event.details["forced"]
    assert event.actor_type == ActorType.API_TOKEN


def test_schema_update_renames_only(api_client, workspace):
    schema = UserSchemaFactory(workspace=workspace, document=NICKNAME)
    response = send(
        api_client, "patch", f"/api/v1/schemas/{schema.pk}", {"name": "Renamed"}
    )
    assert response.status_code == 200
    schema.refresh_from_db()
    assert (schema.name, schema.document) == ("Renamed", NICKNAME)


def test_schema_delete_refuses_a_schema_in_use(api_client, workspace):
    schema = UserSchemaFactory(workspace=workspace)
    pool = IdentityPoolFactory(workspace=workspace, user_schema=schema)
    response = api_client.delete(f"/api/v1/schemas/{schema.pk}")
    assert response.status_code == 400 and codes(response) == ["schema_in_use"]
    assert pool.name in response.json()["errors"][0]["message"]

    pool.delete()
    response = api_client.delete(f"/api/v1/schemas/{schema.pk}")
    assert response.status_code == 204
    assert not UserSchema.objects.filter(pk=schema.pk).exists()
    event = AuditEvent.objects.get(action="user_schema.deleted")
    assert event.actor_type == ActorType.API_TOKEN


def test_schema_writes_need_the_write_scope(client_for, workspace):
    client = client_for(workspace, scopes=["read"])
    schema = UserSchemaFactory(workspace=workspace)
    body = {"name": "S", "kind": "user_data", "document": NICKNAME}
    for method, path, body in [
        ("post", "/api/v1/schemas", body),
        ("patch", f"/api/v1/schemas/{schema.pk}", {"name": "S"}),
        ("delete", f"/api/v1/schemas/{schema.pk}", None),
    ]:
        response = send(client, method, path, body)
        assert response.status_code == 403, (method, path)
    assert UserSchema.objects.filter(workspace=workspace).count() == 1


def test_a_schema_document_with_a_nul_key_is_refused(api_client, workspace):
    document = {"type": "object", "properties": {"a\x00": {"type": "string"}}}
    response = send(
        api_client,
        "post",
        "/api/v1/schemas",
        {"name": "S", "kind": "user_data", "document": document},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"].endswith(
        "/document/properties/a\\u0000"
    )
