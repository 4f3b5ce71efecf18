"""Scopes: unknown ones are ignored (OpenID Connect Core 3.1.2.1), the token
response lists what was granted; ``offline_access`` (refresh tokens that
outlive the single sign-on session, OpenID Connect Core §11) for applications
allowed to refresh; ``address`` from the user data (5.1.1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.authenticators.events import sessions_end
from oidc.models import OAuthToken

from .oidc_helpers import (
    authorize,
    basic,
    callback_params,
    exchange,
    get_code,
    hosted,
    make_user,
    refresh,
    setup_provider,
    sign_in,
    token_url,
    userinfo,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def tokens(client, workspace, application, pool, secret, scope, signed_in=False):
    code, verifier = get_code(
        client, workspace, application, pool, signed_in=signed_in, scope=scope
    )
    response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 200, response.content
    return response.json()


def test_unknown_scopes_are_ignored(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    body = tokens(
        client,
        workspace,
        application,
        pool,
        secret,
        "openid profile email https://api.example.com/read custom:scope email",
    )
    assert body["scope"] == "openid profile email"
    assert verify_id_token(client, workspace, body["id_token"])["email"]


def test_offline_access_comes_with_the_refresh_grant(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    body = tokens(client, workspace, application, pool, secret, "openid offline_access")
    assert body["scope"] == "openid offline_access" and body["refresh_token"]
    refreshed = refresh(client, workspace, application, secret, body["refresh_token"])
    assert refreshed.json()["scope"] == "openid offline_access"


def test_no_offline_access_without_the_refresh_grant(client, workspace):
    pool, application, secret = setup_provider(
        workspace, kind="web", grant_types=["authorization_code"]
    )
    make_user(pool)
    body = tokens(client, workspace, application, pool, secret, "openid offline_access")
    assert body["scope"] == "openid" and "refresh_token" not in body


def test_offline_access_outlives_signing_out_a_session_grant_does_not(
    client, workspace, web
):
    pool, application, secret = web
    make_user(pool)
    online = tokens(client, workspace, application, pool, secret, "openid")
    offline = tokens(
        client,
        workspace,
        application,
        pool,
        secret,
        "openid offline_access",
        signed_in=True,
    )
    client.post(hosted(pool, "signout"))
    ended = refresh(client, workspace, application, secret, online["refresh_token"])
    assert ended.status_code == 400
    assert userinfo(client, workspace, online["access_token"]).status_code == 401
    assert userinfo(client, workspace, offline["access_token"]).status_code == 200
    again = refresh(client, workspace, application, secret, offline["refresh_token"])
    assert again.status_code == 200, again.content
    claims = verify_id_token(client, workspace, again.json()["id_token"])
    assert "sid" not in claims  # the session it came from is over


def test_sign_out_everywhere_ends_offline_access_too(client, workspace, web):
    pool, application, secret = web
    ann = make_user(pool)
    offline = tokens(
        client, workspace, application, pool, secret, "openid offline_access"
    )
    ann.pool = pool
    sessions_end(user=ann)
    response = refresh(client, workspace, application, secret, offline["refresh_token"])
    assert response.status_code == 400
    assert not OAuthToken.objects.filter(revoked_at__isnull=True).exists()


def test_offline_access_is_consented_where_the_application_asks(client, workspace):
    pool, application, _secret = setup_provider(
        workspace, kind="web", require_consent=True
    )
    make_user(pool)
    authorize(client, workspace, application, scope="openid offline_access")
    page = sign_in(client, pool)
    page = client.get(client.get(page["Location"])["Location"])
    assert page.status_code == 200
    assert "Keep access while you are signed out" in page.content.decode()
    allowed = client.post(
        reverse("oidc:authorize_continue", args=[workspace.slug]),
        {"decision": "allow"},
    )
    assert callback_params(allowed["Location"])["code"]
    # Consented once: not asked again.
    again, _ = authorize(client, workspace, application, scope="openid offline_access")
    assert "code" in callback_params(again["Location"])


def test_address_from_the_user_data(client, workspace):
    pool, application, secret = setup_provider(
        workspace, kind="web", scopes=["openid", "address"]
    )
    ann = make_user(pool)
    ann.user_data["address"] = {
        "street_address": "1 Main Street",
        "locality": "Springfield",
        "postal_code": "12345",
        "country": "US",
        "floor": 3,
    }
    ann.save()
    body = tokens(client, workspace, application, pool, secret, "openid address")
    assert body["scope"] == "openid address"
    expected = {
        "street_address": "1 Main Street",
        "locality": "Springfield",
        "postal_code": "12345",
        "country": "US",
    }
    assert verify_id_token(client, workspace, body["id_token"])["address"] == expected
    assert userinfo(client, workspace, body["access_token"]).json()["address"] == (
        expected
    )
    ann.user_data["address"] = "1 Main Street\nSpringfield"
    ann.save()
    info = userinfo(client, workspace, body["access_token"]).json()
    assert info["address"] == {"formatted": "1 Main Street\nSpringfield"}


def test_client_credentials_are_granted_no_scope_they_may_not_have(client, workspace):
    _, application, secret = setup_provider(workspace, kind="m2m", redirect_uris=[])
    response = client.post(
        token_url(workspace),
        {"grant_type": "client_credentials", "scope": "openid something"},
        headers=basic(application, secret),
    )
    assert response.status_code == 200, response.content
    assert "scope" not in response.json()


def test_discovery_lists_the_scopes_and_claims(client, workspace, web):
    document = client.get(reverse("oidc:discovery", args=[workspace.slug])).json()
    assert {"offline_access", "address"} <= set(document["scopes_supported"])
    assert "address" in document["claims_supported"]


def test_the_user_takes_back_an_applications_offline_access(client, workspace, web):
    """Offline access outlives signing out; the account page's "Applications
    with access" is the user's way to end it (and the consent with it)."""
    from core.models import AuditEvent
    from oidc.models import Consent
    from tests.factories import WorkspaceFactory

    pool, application, secret = web
    ann = make_user(pool)
    offline = tokens(
        client, workspace, application, pool, secret, "openid offline_access"
    )
    Consent.objects.create(user=ann, application=application, scopes=["openid"])
    page = client.get(hosted(pool, "account"))
    assert application.name in page.content.decode()
    remove = reverse(
        "oidc_hosted:account_application_remove", args=[pool.workspace.slug, pool.pk]
    )
    _pool, other, _secret = setup_provider(WorkspaceFactory())  # not the user's
    refused = client.post(remove, {"application": str(other.pk)}, follow=True)
    assert "That application had no access." in refused.content.decode()
    done = client.post(remove, {"application": str(application.pk)}, follow=True)
    assert f"{application.name} no longer has access" in done.content.decode()
    gone = refresh(client, workspace, application, secret, offline["refresh_token"])
    assert gone.status_code == 400
    assert not Consent.objects.filter(user=ann).exists()
    event = AuditEvent.objects.get(action="oauth.tokens_revoked")
    assert event.actor_type == "pool_user"
    assert (
        "No application holds access"
        in client.get(hosted(pool, "account")).content.decode()
    )
