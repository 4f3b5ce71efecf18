"""The OpenID provider's rules: redirect URIs, PKCE, codes, refresh tokens,
workspaces, inactive users, prompts, consent and client authentication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.authenticators.events import sessions_end
from core.models import AuditEvent
from identity_pools.models import PoolUser
from oidc.models import AuthorizationCode, OAuthToken
from tests.factories import WorkspaceFactory

from .oidc_helpers import (
    ACTOR,
    REDIRECT,
    authorize_url,
    basic,
    callback_params,
    exchange,
    get_code,
    hosted,
    make_user,
    pkce,
    refresh,
    setup_provider,
    sign_in,
    token_url,
    userinfo,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def spa(workspace):
    return setup_provider(workspace, kind="spa")


def test_wrong_redirect_uri_gets_an_error_page_not_a_redirect(client, workspace, web):
    _, application, _ = web
    for uri in ("https://evil.example.com/callback", REDIRECT + "/", None):
        response = client.get(authorize_url(workspace, application, redirect_uri=uri))
        assert response.status_code == 400
        assert "Location" not in response
        assert "not valid" in response.content.decode()


def test_unknown_client_gets_an_error_page(client, workspace, web):
    _, application, _ = web
    response = client.get(
        authorize_url(workspace, application).replace(application.client_id, "nope")
    )
    assert response.status_code == 400 and "Location" not in response


def test_public_client_must_send_pkce_s256(client, workspace, spa):
    _pool, application, _ = spa
    response = client.get(authorize_url(workspace, application))
    query = callback_params(response["Location"])
    assert query["error"] == "invalid_request" and "PKCE" in query["error_description"]
    assert query["state"] == "st-1"
    _, challenge = pkce()
    plain = client.get(
        authorize_url(
            workspace,
            application,
            code_challenge=challenge,
            code_challenge_method="plain",
        )
    )
    assert callback_params(plain["Location"])["error"] == "invalid_request"


def test_public_client_exchanges_with_verifier_only(client, workspace, spa):
    pool, application, _ = spa
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    wrong = exchange(client, workspace, application, code, "x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    missing = exchange(client, workspace, application, code, None)
    assert missing.status_code == 400
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    ok = exchange(client, workspace, application, code, verifier)
    assert ok.status_code == 200, ok.content


def test_code_of_another_client_is_refused(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    from oidc.applications import application_create

    other, other_secret = application_create(
        workspace=workspace,
        actor=ACTOR,
        name="Other",
        kind="web",
        connections=list(application.connections.all()),
        redirect_uris=[REDIRECT],
    )
    response = exchange(client, workspace, other, code, verifier, other_secret)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    # …and the code still works for its own client (it was not used).
    ok = exchange(client, workspace, application, code, verifier, secret)
    assert ok.status_code == 200


def test_code_bound_to_redirect_uri_and_expires(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    other_uri = exchange(
        client,
        workspace,
        application,
        code,
        verifier,
        secret,
        redirect_uri="https://app.example.com/other",
    )
    assert other_uri.status_code == 400
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = exchange(client, workspace, application, code, verifier, secret)
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    wrong = exchange(client, workspace, application, code, verifier, "ips_wrong")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    as_public = exchange(client, workspace, application, code, verifier)
    assert as_public.status_code == 401  # a web app must authenticate
    post = exchange(
        client,
        workspace,
        application,
        code,
        verifier,
        client_id=application.client_id,
        client_secret=secret,
    )
    assert post.status_code == 200, post.content  # client_secret_post


def test_expired_tokens(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    body = exchange(client, workspace, application, code, verifier, secret).json()
    past = timezone.now() - timedelta(seconds=1)
    OAuthToken.objects.update(access_expires_at=past)
    assert userinfo(client, workspace, body["access_token"]).status_code == 401
    OAuthToken.objects.update(refresh_expires_at=past)
    assert (
        refresh(
            client, workspace, application, secret, body["refresh_token"]
        ).status_code
        == 400
    )


def test_nothing_works_across_workspaces(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    elsewhere = WorkspaceFactory()
    # Another workspace's authorization endpoint does not know the client.
    response = client.get(authorize_url(elsewhere, application))
    assert response.status_code == 400 and "Location" not in response
    code, verifier = get_code(client, workspace, application, pool)
    crossed = exchange(client, elsewhere, application, code, verifier, secret)
    assert crossed.status_code == 401
    body = exchange(client, workspace, application, code, verifier, secret).json()
    assert userinfo(client, elsewhere, body["access_token"]).status_code == 401
    # A user signed in to a pool of another workspace is not signed in here.
    other_pool, other_app, _ = setup_provider(elsewhere, kind="web")
    response = client.get(authorize_url(elsewhere, other_app))
    assert response["Location"].startswith(hosted(other_pool, "sign_in"))


def test_inactive_user_gets_no_tokens_and_refresh_stops(client, workspace, web):
    pool, application, secret = web
    ann = make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    body = exchange(client, workspace, application, code, verifier, secret).json()
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    PoolUser.objects.filter(pk=ann.pk).update(status="inactive")
    assert (
        exchange(client, workspace, application, code, verifier, secret).status_code
        == 400
    )
    assert (
        refresh(
            client, workspace, application, secret, body["refresh_token"]
        ).status_code
        == 400
    )
    assert userinfo(client, workspace, body["access_token"]).status_code == 401


def test_prompt_none_without_a_session(client, workspace, web):
    _, application, _ = web
    response = client.get(authorize_url(workspace, application, prompt="none"))
    query = callback_params(response["Location"])
    assert (query["error"], query["state"]) == ("login_required", "st-1")


def test_prompt_login_and_max_age_ask_again(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    get_code(client, workspace, application, pool)
    again = client.get(authorize_url(workspace, application, prompt="login"))
    assert again["Location"].startswith(hosted(pool, "sign_in"))
    # The identifier page is shown even though the browser is signed in.
    assert client.get(again["Location"]).status_code == 200
    AuthorizationCode.objects.all().delete()
    code, verifier = get_code(client, workspace, application, pool, max_age="0")
    body = exchange(client, workspace, application, code, verifier, secret).json()
    assert body["id_token"]


def test_login_hint_prefills_the_identifier(client, workspace, web):
    _pool, application, _ = web
    response = client.get(
        authorize_url(workspace, application, login_hint="ann@example.com")
    )
    page = client.get(response["Location"]).content.decode()
    assert 'value="ann@example.com"' in page


def test_sign_out_everywhere_revokes_tokens(client, workspace, web):
    pool, application, secret = web
    ann = make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    body = exchange(client, workspace, application, code, verifier, secret).json()
    ann.pool = pool
    sessions_end(user=ann)
    assert userinfo(client, workspace, body["access_token"]).status_code == 401
    assert (
        refresh(
            client, workspace, application, secret, body["refresh_token"]
        ).status_code
        == 400
    )


def test_consent_asked_once_and_deny_returns_access_denied(client, workspace):
    pool, application, secret = setup_provider(
        workspace, kind="web", require_consent=True
    )
    make_user(pool)
    verifier, challenge = pkce()
    params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    response = client.get(authorize_url(workspace, application, **params))
    page = sign_in(client, pool)
    page = client.get(client.get(page["Location"])["Location"])
    assert page.status_code == 200 and "Allow" in page.content.decode()
    denied = client.post(
        token_url(workspace, "authorize_continue"), {"decision": "deny"}
    )
    assert callback_params(denied["Location"])["error"] == "access_denied"
    response = client.get(authorize_url(workspace, application, **params))
    assert response.status_code == 200  # asked again
    allowed = client.post(
        token_url(workspace, "authorize_continue"), {"decision": "allow"}
    )
    code = callback_params(allowed["Location"])["code"]
    assert (
        exchange(client, workspace, application, code, verifier, secret).status_code
        == 200
    )
    response = client.get(authorize_url(workspace, application, **params))
    assert response.status_code == 302 and "code=" in response["Location"]


def test_client_credentials_for_machine_to_machine(client, workspace):
    _, application, secret = setup_provider(workspace, kind="m2m", redirect_uris=[])
    response = client.post(
        token_url(workspace),
        {"grant_type": "client_credentials"},
        headers=basic(application, secret),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert "refresh_token" not in body and "id_token" not in body
    introspected = client.post(
        token_url(workspace, "introspect"),
        {"token": body["access_token"]},
        headers=basic(application, secret),
    ).json()
    assert introspected["active"] is True and "sub" not in introspected
    refused = client.post(
        token_url(workspace),
        {"grant_type": "authorization_code", "code": "x"},
        headers=basic(application, secret),
    )
    assert refused.json()["error"] == "unauthorized_client"


def test_revocation_and_introspection(client, workspace, web):
    pool, application, secret = web
    ann = make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    body = exchange(client, workspace, application, code, verifier, secret).json()
    active = client.post(
        token_url(workspace, "introspect"),
        {"token": body["access_token"]},
        headers=basic(application, secret),
    ).json()
    assert active["active"] and active["sub"] == str(ann.pk)
    revoked = client.post(
        token_url(workspace, "revoke"),
        {"token": body["refresh_token"], "token_type_hint": "refresh_token"},
        headers=basic(application, secret),
    )
    assert revoked.status_code == 200
    assert userinfo(client, workspace, body["access_token"]).status_code == 401
    inactive = client.post(
        token_url(workspace, "introspect"),
        {"token": body["access_token"]},
        headers=basic(application, secret),
    ).json()
    assert inactive == {"active": False}
    assert AuditEvent.objects.filter(action="oauth.token_revoked").exists()
    unknown = client.post(
        token_url(workspace, "revoke"),
        {"token": "whatever"},
        headers=basic(application, secret),
    )
    assert unknown.status_code == 200  # RFC 7009: unknown tokens are not an error


def test_bad_bytes_and_failures_are_bounded(client, workspace, web, settings):
    _pool, application, secret = web
    nul = client.get(authorize_url(workspace, application, state="a\x00b"))
    assert nul.status_code == 400 and "NUL" in nul.content.decode()
    token_nul = client.post(
        token_url(workspace), {"grant_type": "authorization_code", "code": "a\x00"}
    )
    assert token_nul.status_code == 400
    assert token_nul.json()["error"] == "invalid_request"
    assert "NUL" in token_nul.json()["error_description"]
    long = client.get(authorize_url(workspace, application, state="s" * 3000))
    assert long.status_code == 400 and "longer than" in long.content.decode()
    for _ in range(100):
        client.post(
            token_url(workspace),
            {"grant_type": "refresh_token", "refresh_token": "iprt_nope"},
            headers=basic(application, secret),
        )
    limited = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": "iprt_nope"},
        headers=basic(application, secret),
    )
    assert limited.status_code == 429 and limited["Retry-After"]


def test_cors_for_the_workspace_applications_origins(client, workspace, web):
    preflight = client.options(
        token_url(workspace), headers={"Origin": "https://app.example.com"}
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"
    stranger = client.options(
        token_url(workspace), headers={"Origin": "https://evil.example.com"}
    )
    assert "Access-Control-Allow-Origin" not in stranger


def test_purge_expired_keeps_what_is_still_needed(client, workspace, web):
    from io import StringIO

    from django.core.management import call_command

    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    exchange(client, workspace, application, code, verifier, secret)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Deleted 0 authorization codes, 0 tokens" in out.getvalue()
    long_ago = timezone.now() - timedelta(days=400)
    AuthorizationCode.objects.update(expires_at=long_ago)
    OAuthToken.objects.update(access_expires_at=long_ago, refresh_expires_at=long_ago)
    call_command("purge_expired", stdout=out)
    assert not AuthorizationCode.objects.exists() and not OAuthToken.objects.exists()


def test_bad_max_age_and_prompt_consent_after_sign_in(client, workspace, web):
    pool, application, _ = web
    make_user(pool)
    bad = client.get(authorize_url(workspace, application, max_age="soon"))
    query = callback_params(bad["Location"])
    assert (
        query["error"] == "invalid_request" and "max_age" in query["error_description"]
    )
    _verifier, challenge = pkce()
    client.get(
        authorize_url(
            workspace,
            application,
            prompt="consent",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    page = sign_in(client, pool)
    page = client.get(client.get(page["Location"])["Location"])
    assert page.status_code == 200 and "Allow" in page.content.decode()


def test_client_authentication_failure_says_what_to_do(client, workspace, web):
    _, application, _ = web
    response = client.post(
        token_url(workspace),
        {"grant_type": "authorization_code", "code": "x"},
        headers=basic(application, "ips_wrong"),
    )
    assert response.status_code == 401
    assert "check the client id and secret" in response.json()["error_description"]


def test_a_pool_disconnected_from_the_application_gets_no_tokens(
    client, workspace, web
):
    from oidc.models import ApplicationConnection

    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    ApplicationConnection.objects.filter(application=application).delete()
    refused = exchange(client, workspace, application, code, verifier, secret)
    assert refused.status_code == 400


def test_refresh_stops_when_the_pool_is_disconnected(client, workspace, web):
    from oidc.models import ApplicationConnection

    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    body = exchange(client, workspace, application, code, verifier, secret).json()
    ApplicationConnection.objects.filter(application=application).delete()
    response = refresh(client, workspace, application, secret, body["refresh_token"])
    assert response.status_code == 400
