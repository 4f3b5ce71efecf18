"""The OpenAPI document: it validates, every operation answers as documented
(schemathesis), a token of workspace A gets 404 for every object of workspace B
on every route, and every route checks its scope."""

from __future__ import annotations

import json
import re
import uuid
from copy import deepcopy

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from core.models import AuditEvent
from oidc.models import Application, IdpConnection
from tests.api.conftest import ApiClient
from tests.factories import (
    GroupFactory,
    GroupMembershipFactory,
    IdentityPoolFactory,
    PoolUserFactory,
    UserSchemaFactory,
    WorkspaceFactory,
)

DOCUMENT = api.get_openapi_schema()
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]
WITH_IDS = [(m, p) for m, p in OPERATIONS if "{" in p]
WRITES = [(m, p) for m, p in OPERATIONS if m != "GET"]
READS = [(m, p) for m, p in OPERATIONS if m == "GET"]


def _ids(operations):
    return [f"{m} {p}" for m, p in operations]


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = DOCUMENT["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def minimal(node: dict):
    """The smallest instance of a JSON Schema that the request shape accepts."""
    node = _resolve(node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(o).get("type") != "null"]
            return minimal(options[0] if options else node[key][0])
    if "allOf" in node:
        return minimal(node["allOf"][0])
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {name: minimal(props[name]) for name in node.get("required", [])}
    if kind == "array":
        return [minimal(node.get("items", {}))] * node.get("minItems", 0)
    if kind == "string":
        if node.get("format") == "uuid":
            return str(uuid.uuid4())
        if node.get("format") == "email":
            return "a@example.com"
        return "x" * max(1, node.get("minLength", 1))
    if kind in ("integer", "number"):
        return node.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def request_body(method: str, path: str):
    operation = DOCUMENT["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return minimal(content["application/json"]["schema"])


def call(client, method: str, path: str, ids: dict):
    url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
    body = request_body(method, path)
    data = "" if body is None else json.dumps(body)
    return client.generic(method, url, data, content_type="application/json")


def world(workspace) -> dict:
    """One of each object in ``workspace``: the ids the paths name."""
    pool = IdentityPoolFactory(workspace=workspace)
    user = PoolUserFactory(pool=pool, status="new")
    group = GroupFactory(pool=pool, member_count=1)
    GroupMembershipFactory(group=group, user=user)
    return {
        "pool_id": pool.pk,
        "user_id": user.pk,
        "identifier_id": user.identifiers.get().pk,
        "group_id": group.pk,
        "schema_id": UserSchemaFactory(workspace=workspace).pk,
        "connection_id": IdpConnection.objects.create(
            workspace=workspace, pool=pool, display_name=f"Main {pool.pk}"
        ).pk,
        # unique per call: schemathesis asks for a world many times per workspace
        "application_id": Application.objects.create(
            workspace=workspace, name=f"App {pool.pk}", kind="web", secret_hash="0" * 64
        ).pk,
    }


def test_the_served_document_validates(client):
    served = client.get("/api/v1/openapi.json").json()
    validate(served)
    assert served["openapi"].startswith("3.1")
    assert served == json.loads(json.dumps(DOCUMENT))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=_ids(OPERATIONS))
def test_every_operation_documents_its_errors(method, path):
    responses = DOCUMENT["paths"][path][method.lower()]["responses"]
    assert {"400", "401", "403", "404", "429"} <= set(map(str, responses))


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), WITH_IDS, ids=_ids(WITH_IDS))
def test_another_workspaces_objects_are_404_on_every_route(client_for, method, path):
    mine, theirs = WorkspaceFactory(), WorkspaceFactory()
    world(mine)
    their_ids = world(theirs)
    before = AuditEvent.objects.filter(workspace_id=theirs.pk).count()
    response = call(client_for(mine), method, path, their_ids)
    assert response.status_code == 404, response.content
    assert [e["code"] for e in response.json()["errors"]] == ["not_found"]
    assert AuditEvent.objects.filter(workspace_id=theirs.pk).count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), WRITES, ids=_ids(WRITES))
def test_writes_need_more_than_the_read_scope(client_for, workspace, method, path):
    response = call(client_for(workspace, ["read"]), method, path, world(workspace))
    assert response.status_code == 403, response.content
    assert [e["code"] for e in response.json()["errors"]] == ["scope_missing"]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), READS, ids=_ids(READS))
def test_reads_need_the_read_scope(client_for, workspace, method, path):
    client = client_for(workspace, ["write", "import"])
    response = call(client, method, path, world(workspace))
    assert response.status_code == 403, response.content


# --- schemathesis: every documented operation answers as documented -------------


def django_app(environ, start_response):
    """The project as a WSGI app through Django's test handler, which keeps the
    test's database transaction open (the plain handler would close it)."""
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = [*response.items()]
    headers += [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return response.streaming_content if response.streaming else [response.content]


def loaded(mode: GenerationMode):
    schema = schemathesis.openapi.from_dict(deepcopy(DOCUMENT))
    schema.app = django_app
    schema.config.generation.update(modes=[mode])
    return schema


positive = loaded(GenerationMode.POSITIVE)
negative = loaded(GenerationMode.NEGATIVE)
# Bounded and reproducible: the whole file runs in about 30 seconds.
EXAMPLES = hypothesis_settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def secret(workspace, make_token, settings):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    _token, secret = make_token(workspace)
    return secret


def call_with_real_ids(case, workspace, secret, checks):
    """Send ``case`` with the ids of objects of the token's workspace in place of
    its generated ids (a malformed id of a negative case stays as it is)."""
    ids = world(workspace)
    for name, value in (case.path_parameters or {}).items():
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue
        case.path_parameters[name] = str(ids[name])
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=checks)


@pytest.mark.django_db
@positive.parametrize()
@EXAMPLES
def test_valid_requests_are_answered_as_documented(case, workspace, secret):
    call_with_real_ids(
        case,
        workspace,
        secret,
        [
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


@pytest.mark.django_db
@negative.parametrize()
@EXAMPLES
def test_invalid_requests_are_refused_with_documented_statuses(case, workspace, secret):
    # Not yet the body's shape: a path segment that is not a UUID meets Django's
    # HTML 404, a body ninja cannot parse gets ninja's {"detail"} and a broken
    # multipart body the input-hygiene middleware's HTML 400 (see the report).
    call_with_real_ids(
        case, workspace, secret, [not_a_server_error, status_code_conformance]
    )


@pytest.mark.django_db
def test_the_unauthenticated_door_is_documented():
    response = ApiClient(None).get("/api/v1/pools")
    assert response.status_code == 401
    security = DOCUMENT["components"]["securitySchemes"]
    assert {s["scheme"] for s in security.values()} == {"bearer"}
