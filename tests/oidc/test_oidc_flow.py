"""The workspace's OpenID provider end to end through Django's test client:
authorization code with PKCE through the hosted sign-in, token exchange, ID
token, userinfo, refresh with rotation, revocation, introspection, logout."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from oidc.models import OAuthToken

from .oidc_helpers import (
    REDIRECT,
    basic,
    exchange,
    get_code,
    make_user,
    token_url,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def test_code_flow_signs_a_pool_user_in(client, workspace, web):
    pool, application, secret = web
    ann = make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 200, response.content
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer" and body["refresh_token"]
    claims = verify_id_token(client, workspace, body["id_token"])
    assert claims["iss"] == f"http://testserver/w/{workspace.slug}".replace(
        "http://testserver", claims["iss"].split("/w/")[0]
    )
    assert claims["sub"] == str(ann.pk)
    assert claims["aud"] == application.client_id
    assert len(claims["nonce"]) > 8
    assert claims["amr"] == ["pwd"] and claims["acr"] == "1"
    assert claims["email"] == "ann@example.com"
    assert claims["given_name"] == "Ann"
    info = client.get(
        token_url(workspace, "userinfo"),
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert info.status_code == 200
    assert info.json()["sub"] == str(ann.pk)
    assert AuditEvent.objects.filter(action="oauth.token_issued").count() == 1


def test_refresh_rotates_and_reuse_revokes_the_family(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    first = exchange(client, workspace, application, code, verifier, secret).json()
    refreshed = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(application, secret),
    )
    assert refreshed.status_code == 200, refreshed.content
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert "id_token" in second
    reused = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(application, secret),
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    again = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        headers=basic(application, secret),
    )
    assert again.status_code == 400  # the whole family is revoked
    assert not OAuthToken.objects.filter(revoked_at__isnull=True).exists()


def test_reused_code_revokes_what_the_first_use_issued(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    first = exchange(client, workspace, application, code, verifier, secret)
    assert first.status_code == 200
    second = exchange(client, workspace, application, code, verifier, secret)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    info = client.get(
        token_url(workspace, "userinfo"),
        headers={"Authorization": f"Bearer {first.json()['access_token']}"},
    )
    assert info.status_code == 401


def test_sso_second_application_needs_no_sign_in(client, workspace, web):
    pool, application, _secret = web
    make_user(pool)
    get_code(client, workspace, application, pool)
    from oidc.applications import application_create
    from tests.oidc.oidc_helpers import ACTOR

    other, other_secret = application_create(
        workspace=workspace,
        actor=ACTOR,
        name="Second",
        kind="web",
        connections=list(application.connections.all()),
        redirect_uris=[REDIRECT],
    )
    code, verifier = get_code(client, workspace, other, pool, signed_in=True)
    body = exchange(client, workspace, other, code, verifier, other_secret).json()
    assert verify_id_token(client, workspace, body["id_token"])["aud"] == (
        other.client_id
    )


def test_token_events_are_audited(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    exchange(client, workspace, application, code, verifier, secret)
    exchange(client, workspace, application, code, verifier, secret)  # reused
    actions = list(
        AuditEvent.objects.filter(action__startswith="oauth.")
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == [
        "oauth.token_issued",
        "oauth.family_revoked",
        "oauth.token_refused",
    ]
    refused = AuditEvent.objects.get(action="oauth.token_refused")
    assert refused.details == {"error": "invalid_grant", "grant": "authorization_code"}
    assert refused.actor_id == str(application.pk)
