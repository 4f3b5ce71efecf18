"""``/api/v1/identity-providers`` and ``/api/v1/applications``: CRUD, the secret
once, refusals at the body's paths, another workspace's ids are 404, scopes."""

from __future__ import annotations

import json

import pytest

from core.models import AuditEvent
from core.tokens import token_hash
from oidc.applications import application_check_secret
from oidc.models import Application, IdpConnection
from tests.factories import IdentityPoolFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

IDPS = "/api/v1/identity-providers"
APPS = "/api/v1/applications"


def call(client, method, path, body=None):
    data = "" if body is None else json.dumps(body)
    return client.generic(method.upper(), path, data)


def codes(response):
    return [(e["code"], e["path"]) for e in response.json()["errors"]]


@pytest.fixture
def connection_id(api_client, pool):
    response = call(
        api_client, "post", IDPS, {"pool_id": str(pool.pk), "display_name": "Main"}
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_identity_providers_crud(api_client, pool, connection_id):
    listed = api_client.get(IDPS).json()
    assert [(c["id"], c["pool_id"], c["display_name"]) for c in listed] == [
        (connection_id, str(pool.pk), "Main")
    ]
    assert api_client.get(f"{IDPS}/{connection_id}").json()["display_name"] == "Main"
    again = call(api_client, "post", IDPS, {"pool_id": str(pool.pk)})
    assert codes(again) == [("idp_pool_connected", "/pool_id")]
    assert api_client.delete(f"{IDPS}/{connection_id}").status_code == 204
    assert not IdpConnection.objects.exists()
    assert api_client.get(f"{IDPS}/{connection_id}").status_code == 404


def test_identity_provider_of_another_workspaces_pool_is_400(api_client):
    theirs = IdentityPoolFactory(workspace=WorkspaceFactory())
    response = call(api_client, "post", IDPS, {"pool_id": str(theirs.pk)})
    assert response.status_code == 400
    assert codes(response) == [("not_found", "/pool_id")]


def test_applications_crud(api_client, workspace, connection_id):
    body = {
        "name": "Shop",
        "kind": "web",
        "redirect_uris": ["https://shop.example.com/cb"],
        "connection_ids": [connection_id],
    }
    response = call(api_client, "post", APPS, body)
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["client_secret"]
    app = Application.objects.get()
    assert app.workspace == workspace and app.secret_hash == token_hash(secret)
    assert created["grant_types"] == ["authorization_code", "refresh_token"]
    assert created["scopes"] == ["openid", "profile", "email"]
    assert created["connection_ids"] == [connection_id]
    assert created["require_two_factors"] is False
    read = api_client.get(f"{APPS}/{app.pk}").json()
    assert "client_secret" not in read and read["client_id"] == app.client_id
    assert [a["id"] for a in api_client.get(APPS).json()] == [str(app.pk)]
    patched = call(
        api_client,
        "patch",
        f"{APPS}/{app.pk}",
        {"name": "Shop 2", "require_consent": True, "require_two_factors": True},
    )
    assert patched.status_code == 200
    assert (
        patched.json()["name"],
        patched.json()["require_consent"],
        patched.json()["require_two_factors"],
    ) == ("Shop 2", True, True)
    assert patched.json()["redirect_uris"] == ["https://shop.example.com/cb"]
    rotated = call(
        api_client, "post", f"{APPS}/{app.pk}/rotate-secret", {"grace_days": 3}
    )
    assert rotated.status_code == 200
    app.refresh_from_db()
    assert application_check_secret(application=app, secret=secret)
    assert application_check_secret(
        application=app, secret=rotated.json()["client_secret"]
    )
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert api_client.delete(f"{APPS}/{app.pk}").status_code == 204
    assert not Application.objects.exists()
    actions = set(
        AuditEvent.objects.filter(action__startswith="application.").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "application.created",
        "application.updated",
        "application.secret_rotated",
        "application.deleted",
    }


def test_public_application_has_no_secret(api_client, connection_id):
    response = call(
        api_client,
        "post",
        APPS,
        {
            "name": "App",
            "kind": "native",
            "redirect_uris": ["http://127.0.0.1/cb"],
            "connection_ids": [connection_id],
        },
    )
    assert response.status_code == 201 and response.json()["client_secret"] is None
    app_id = response.json()["id"]
    rotated = call(api_client, "post", f"{APPS}/{app_id}/rotate-secret", {})
    assert codes(rotated) == [("application_no_secret", "")]


def test_application_refusals_point_into_the_body(api_client, connection_id):
    response = call(
        api_client,
        "post",
        APPS,
        {
            "name": "Shop",
            "kind": "spa",
            "redirect_uris": ["http://shop.example.com/cb"],
            "grant_types": ["client_credentials"],
            "scopes": ["email"],
            "connection_ids": [connection_id],
        },
    )
    assert response.status_code == 400
    assert set(codes(response)) == {
        ("application_uri_invalid", "/redirect_uris"),
        ("application_grants_invalid", "/grant_types"),
        ("application_openid_required", "/scopes"),
    }
    theirs = WorkspaceFactory()
    foreign = IdpConnection.objects.create(
        workspace=theirs,
        pool=IdentityPoolFactory(workspace=theirs),
        display_name="Theirs",
    )
    response = call(
        api_client,
        "post",
        APPS,
        {
            "name": "Shop",
            "kind": "web",
            "redirect_uris": ["https://shop.example.com/cb"],
            "connection_ids": [str(foreign.pk)],
        },
    )
    assert codes(response) == [("application_connection_foreign", "/connection_ids")]
    m2m = call(api_client, "post", APPS, {"name": "Job", "kind": "m2m"})
    assert m2m.status_code == 201
    kind = call(api_client, "patch", f"{APPS}/{m2m.json()['id']}", {"kind": "web"})
    assert codes(kind) == [("application_kind_fixed", "/kind")]
    assert Application.objects.count() == 1


def test_another_workspaces_ids_are_404(api_client, client_for):
    theirs = WorkspaceFactory()
    their_client = client_for(theirs)
    pool = IdentityPoolFactory(workspace=theirs)
    connection = call(their_client, "post", IDPS, {"pool_id": str(pool.pk)}).json()[
        "id"
    ]
    app = call(their_client, "post", APPS, {"name": "Job", "kind": "m2m"}).json()["id"]
    for method, path, body in [
        ("get", f"{IDPS}/{connection}", None),
        ("delete", f"{IDPS}/{connection}", None),
        ("get", f"{APPS}/{app}", None),
        ("patch", f"{APPS}/{app}", {"name": "Mine"}),
        ("delete", f"{APPS}/{app}", None),
        ("post", f"{APPS}/{app}/rotate-secret", {}),
    ]:
        response = call(api_client, method, path, body)
        assert response.status_code == 404, (method, path)
    assert api_client.get(APPS).json() == [] and api_client.get(IDPS).json() == []
    assert Application.objects.get().name == "Job"


def test_scopes(client_for, workspace, pool):
    reader = client_for(workspace, ["read"])
    assert reader.get(APPS).status_code == 200
    assert reader.get(IDPS).status_code == 200
    refused = call(reader, "post", APPS, {"name": "Job", "kind": "m2m"})
    assert refused.status_code == 403
    assert codes(refused) == [("scope_missing", "")]
    assert call(reader, "post", IDPS, {"pool_id": str(pool.pk)}).status_code == 403
    writer = client_for(workspace, ["write"])
    assert writer.get(APPS).status_code == 403
    assert call(writer, "post", APPS, {"name": "Job", "kind": "m2m"}).status_code == 201


# --- token settings: ID-token algorithm and custom claims ---------------------------


def spa(connection_id, **extra):
    return {
        "name": "App",
        "kind": "spa",
        "redirect_uris": ["https://app.example.com/cb"],
        "connection_ids": [connection_id],
        **extra,
    }


def claim(name, source="user_data.department"):
    return {"claim": name, "source": source}


def test_token_settings_are_read_and_written(api_client, connection_id):
    created = call(api_client, "post", APPS, spa(connection_id))
    assert created.status_code == 201, created.content
    assert created.json()["id_token_alg"] == "ES256"
    assert created.json()["claim_mappings"] == []
    app_id = created.json()["id"]
    mappings = [claim("department"), claim("tier", "metadata.billing.tier")]
    patched = call(
        api_client,
        "patch",
        f"{APPS}/{app_id}",
        {"id_token_alg": "RS256", "claim_mappings": mappings},
    )
    assert patched.status_code == 200, patched.content
    read = api_client.get(f"{APPS}/{app_id}").json()
    assert read["id_token_alg"] == "RS256" and read["claim_mappings"] == mappings
    app = Application.objects.get()
    assert app.id_token_alg == "RS256" and app.claim_mappings == mappings
    # Fields not given stay as they are.
    call(api_client, "patch", f"{APPS}/{app_id}", {"name": "App 2"})
    assert api_client.get(f"{APPS}/{app_id}").json()["claim_mappings"] == mappings
    cleared = call(api_client, "patch", f"{APPS}/{app_id}", {"claim_mappings": []})
    assert cleared.json()["claim_mappings"] == []
    other = call(
        api_client,
        "post",
        APPS,
        spa(
            connection_id,
            name="Other",
            id_token_alg="RS256",
            claim_mappings=[claim("dept")],
        ),
    )
    assert other.status_code == 201
    assert other.json()["claim_mappings"] == [claim("dept")]
    assert other.json()["id_token_alg"] == "RS256"


@pytest.mark.parametrize(
    ("mappings", "code"),
    [
        ([claim("Department!")], "application_claim_name_invalid"),
        ([claim("sub")], "application_claim_reserved"),
        ([claim("dept", "profile.department")], "application_claim_source_invalid"),
        ([claim(f"c{i}") for i in range(51)], "application_claims_too_many"),
        ([claim("dept"), claim("dept", "metadata.d")], "application_claim_duplicate"),
    ],
)
def test_claim_rules_refused_at_the_field(api_client, connection_id, mappings, code):
    response = call(
        api_client, "post", APPS, spa(connection_id, claim_mappings=mappings)
    )
    assert response.status_code == 400
    assert codes(response) == [(code, "/claim_mappings")]
    assert all(e["message"] for e in response.json()["errors"])
    created = call(api_client, "post", APPS, spa(connection_id))
    patched = call(
        api_client,
        "patch",
        f"{APPS}/{created.json()['id']}",
        {"claim_mappings": mappings},
    )
    assert codes(patched) == [(code, "/claim_mappings")]
    assert Application.objects.get().claim_mappings == []


def test_claim_text_that_cannot_be_stored_is_400(api_client, connection_id):
    for bad, where, words in [
        (claim("de\x00pt"), "/claim_mappings/0/claim", "NUL character"),
        (claim("d", "user_data.\ud800"), "/claim_mappings/0/source", "lone surrogate"),
    ]:
        response = call(
            api_client, "post", APPS, spa(connection_id, claim_mappings=[bad])
        )
        assert response.status_code == 400
        assert codes(response) == [("invalid", where)]
        assert words in response.json()["errors"][0]["message"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"id_token_alg": "HS256"}, "/id_token_alg"),
        ({"claim_mappings": [{"claim": "dept"}]}, "/claim_mappings/0/source"),
        ({"claim_mappings": [{**claim("d"), "x": 1}]}, "/claim_mappings/0/x"),
        ({"claim_mappings": "dept = user_data.d"}, "/claim_mappings"),
    ],
)
def test_token_settings_of_the_wrong_shape_are_400(
    api_client, connection_id, body, where
):
    response = call(api_client, "post", APPS, spa(connection_id, **body))
    assert response.status_code == 400
    assert codes(response) == [("invalid", where)]
    assert not Application.objects.exists()
