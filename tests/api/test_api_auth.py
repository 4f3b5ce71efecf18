"""The API's door: tokens, scopes, the workspace a token sees, the rate limit
and the error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.audit import SystemActor
from tests.api.conftest import ApiClient
from tests.factories import IdentityPoolFactory, WorkspaceFactory
from workspaces.api_tokens import api_token_revoke
from workspaces.models import ApiToken

pytestmark = pytest.mark.django_db


def codes(response):
    return [e["code"] for e in response.json()["errors"]]


def test_a_token_lists_its_workspace_pools_only(api_client, pool):
    IdentityPoolFactory(workspace=WorkspaceFactory())  # another workspace's
    response = api_client.get("/api/v1/pools")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [str(pool.pk)]


def test_another_workspaces_pool_is_404(api_client):
    theirs = IdentityPoolFactory(workspace=WorkspaceFactory())
    response = api_client.get(f"/api/v1/pools/{theirs.pk}")
    assert response.status_code == 404 and codes(response) == ["not_found"]
    missing = api_client.get("/api/v1/pools/00000000-0000-4000-8000-00000000abcd")
    assert missing.status_code == 404 and missing.json() == response.json()


@pytest.mark.parametrize(
    "secret", [None, "", "ipt_not-a-token", "Bearer", "x" * 500, "ipt_\x00"]
)
def test_without_a_valid_token_401(secret, pool):
    response = ApiClient(secret).get("/api/v1/pools")
    assert response.status_code == 401
    assert codes(response) == ["unauthenticated"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_and_expired_tokens_are_refused(workspace, make_token, pool):
    token, secret = make_token(workspace)
    assert ApiClient(secret).get("/api/v1/pools").status_code == 200
    api_token_revoke(token=token, actor=SystemActor("tests"))
    assert ApiClient(secret).get("/api/v1/pools").status_code == 401
    token, secret = make_token(workspace, expires_at=timezone.now() + timedelta(1))
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert ApiClient(secret).get("/api/v1/pools").status_code == 401


def test_a_missing_scope_is_403(client_for, workspace, pool):
    response = client_for(workspace, scopes=["write"]).get("/api/v1/pools")
    assert response.status_code == 403 and codes(response) == ["scope_missing"]


def test_last_use_is_noted(workspace, make_token, pool):
    token, secret = make_token(workspace)
    ApiClient(secret).get("/api/v1/pools")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_rate_limit_answers_429_with_retry_after(api_client, pool, settings):
    settings.API_REQUESTS_PER_MINUTE = 3
    for _ in range(3):
        assert api_client.get("/api/v1/pools").status_code == 200
    response = api_client.get("/api/v1/pools")
    assert response.status_code == 429 and codes(response) == ["rate_limited"]
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_openapi_document_is_served(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/pools" in document["paths"]


def test_unknown_addresses_and_bad_text_answer_in_the_api_shape(api_client, pool):
    for path in ("/api/v1/pools/not-a-uuid", "/api/v1/nothing", "/api/v2/pools"):
        response = api_client.get(path)
        assert response.status_code == 404 and codes(response) == ["not_found"]
    response = api_client.get("/api/v1/pools?x=a%00b")
    assert response.status_code == 400 and codes(response) == ["text_invalid"]


def test_a_body_over_the_limit_is_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post(
        "/api/v1/pools", {"name": "x" * 2000}, content_type="application/json"
    )
    assert response.status_code == 413 and codes(response) == ["too_large"]
