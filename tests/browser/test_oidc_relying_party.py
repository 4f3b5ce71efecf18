"""A real relying party signs a pool user in end to end: Authlib's OAuth 2.0
client, configured from the workspace's discovery document, sends Chromium to
the authorization endpoint; the user signs in on the hosted pages (password, or
a passkey of Chromium's virtual authenticator); Chromium is caught at the
application's loopback callback; the application exchanges the code, checks
the ID token against the JWKS, calls userinfo, refreshes, revokes and signs the
user out (RP-initiated logout). No script error or CSP violation on the way:
``form-action`` must let the sign-in's last form end at the application."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts.models import Passkey, SsoSession
from identity_pools.models import Identifier, SignInPolicy
from tests.oidc.oidc_helpers import GOOD, make_user, setup_provider

from .oidc_rp import (
    application_server,
    discover,
    half_hash,
    query,
    watch_problems,
)
from .test_passkeys import virtual_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def issuer_of(live_server, settings):
    """The provider on the live server: PUBLIC_URL (hence the issuer and the
    endpoints) is its URL; passkeys for its host name ("localhost")."""
    settings.PUBLIC_URL = live_server.url
    settings.WEBAUTHN_RP_ID = urlsplit(live_server.url).hostname
    settings.WEBAUTHN_ORIGINS = [live_server.url]

    def issuer(workspace) -> str:
        return f"{live_server.url}/w/{workspace.slug}"

    return issuer


@pytest.fixture
def app():
    """The application's own pages (redirect URIs) on a loopback port."""
    with application_server() as server:
        server.callback = server.url + "/callback"
        server.signed_out = server.url + "/signed-out"
        yield server


@pytest.fixture
def relying_party(issuer_of, app):
    """relying_party(workspace, application, secret) → a RelyingParty from the
    discovery document; its HTTP connections are closed after the test (a
    kept-alive one would hold a live-server thread and its database
    connection)."""
    made = []

    def make(workspace, application, secret):
        rp = discover(
            issuer_of(workspace),
            client_id=application.client_id,
            secret=secret,
            redirect_uri=app.callback,
        )
        made.append(rp)
        return rp

    yield make
    for rp in made:
        rp.client.close()


def password_sign_in(page) -> None:
    """Ann types her address, then her password, on the hosted pages."""
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()


def arrive(page, app, prefix: str, problems: list[str]) -> dict:
    """The query of the application URL (starting with ``prefix``) Chromium
    was sent to; fails with the pages' problems (a CSP ``form-action`` refusal
    stops the browser on the provider's page)."""
    try:
        page.wait_for_url(prefix + "**")
    except PlaywrightTimeoutError:
        pytest.fail(f"Chromium never reached {prefix} (at {page.url}): {problems}")
    assert app.arrived and app.arrived[-1].startswith(prefix), app.arrived
    return query(app.arrived[-1])


def test_relying_party_password_sign_in_tokens_and_logout(
    issuer_of, app, relying_party, workspace, page
):
    pool, application, secret = setup_provider(
        workspace,
        kind="web",
        redirect_uris=[app.callback],
        post_logout_redirect_uris=[app.signed_out],
    )
    ann = make_user(pool)
    rp = relying_party(workspace, application, secret)
    assert "S256" in rp.metadata["code_challenge_methods_supported"]
    problems = watch_problems(page)

    # The browser signs in on the hosted pages and comes back with a code.
    page.goto(rp.authorization_url())
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.startswith(f"{issuer_of(workspace)}/pools/{pool.pk}/signin")
    password_sign_in(page)
    params = arrive(page, app, app.callback, problems)
    assert params["state"] == rp.pending["state"] and params["code"]
    assert "error" not in params

    # The code for tokens (client_secret_basic, PKCE verifier); the ID token.
    token = rp.exchange(app.arrived[-1])
    assert token["token_type"] == "Bearer"
    claims = rp.id_token_claims(token["id_token"], nonce=rp.pending["nonce"])
    assert claims["_header"]["kid"] and claims["_header"]["alg"] == "ES256"
    assert claims["sub"] == str(ann.pk)
    assert claims["at_hash"] == half_hash(token["access_token"])
    assert claims["amr"] == ["pwd"] and claims["email"] == "ann@example.com"
    info = rp.userinfo(token["access_token"])
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == claims["sub"]
    assert info.json()["email"] == "ann@example.com"

    # Refresh: a new refresh token; the old one stops being active at once
    # (introspection: presenting it again would revoke the whole chain).
    old_refresh = token["refresh_token"]
    refreshed = dict(rp.client.refresh_token(rp.metadata["token_endpoint"]))
    new_refresh = refreshed["refresh_token"]
    assert new_refresh != old_refresh
    again = rp.id_token_claims(refreshed["id_token"])
    assert (again["sub"], again["auth_time"]) == (claims["sub"], claims["auth_time"])
    assert rp.introspect(old_refresh) == {"active": False}
    assert rp.introspect(new_refresh)["active"] is True
    assert rp.userinfo(refreshed["access_token"]).status_code == 200

    # RFC 7009: the new refresh token revoked, then refused; so is the old one.
    revoked = rp.client.revoke_token(
        rp.metadata["revocation_endpoint"],
        token=new_refresh,
        token_type_hint="refresh_token",
    )
    assert revoked.status_code == 200, revoked.text
    assert rp.introspect(new_refresh) == {"active": False}
    for refresh in (new_refresh, old_refresh):
        refused = rp.token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh}
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "invalid_grant"
    assert rp.userinfo(refreshed["access_token"]).status_code == 401

    # RP-initiated logout: signed out at once, sent to the registered URI.
    sso = SsoSession.objects.get(user=ann)
    assert sso.ended_at is None and claims["sid"] == str(sso.pk)
    page.goto(rp.end_session_url(token["id_token"], state="bye-1", then=app.signed_out))
    assert arrive(page, app, app.signed_out, problems) == {"state": "bye-1"}
    sso.refresh_from_db()
    assert sso.ended_at is not None

    # The browser is no longer signed in: prompt=none says so.
    page.goto(rp.authorization_url(prompt="none"))
    params = arrive(page, app, app.callback, problems)
    assert params["error"] == "login_required", params
    assert params["state"] == rp.pending["state"]
    assert problems == []


def test_relying_party_steps_up_to_two_factors(
    issuer_of, app, relying_party, workspace, page
):
    pool, application, secret = setup_provider(
        workspace, kind="web", redirect_uris=[app.callback]
    )
    SignInPolicy.objects.create(
        pool=pool, second_factor="optional", mfa_email_code=True
    )
    ann = make_user(pool)
    Identifier.objects.filter(user=ann).update(is_verified=True)
    rp = relying_party(workspace, application, secret)
    problems = watch_problems(page)

    # A password is enough for the application's first request ...
    page.goto(rp.authorization_url())
    password_sign_in(page)
    arrive(page, app, app.callback, problems)
    claims = rp.id_token_claims(
        rp.exchange(app.arrived[-1])["id_token"], nonce=rp.pending["nonce"]
    )
    assert (claims["amr"], claims["acr"]) == (["pwd"], "1")

    # ... then it asks for two: only the second factor is asked for.
    page.goto(rp.authorization_url(acr_values="2"))
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("We sent a code to")).to_be_visible()
    code = re.search(r"\b(\d{6,10})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    arrive(page, app, app.callback, problems)
    stepped = rp.id_token_claims(
        rp.exchange(app.arrived[-1])["id_token"], nonce=rp.pending["nonce"]
    )
    assert (stepped["amr"], stepped["acr"]) == (["pwd", "otp", "mfa"], "2")
    assert stepped["sid"] == claims["sid"]  # the same single sign-on session
    assert stepped["auth_time"] >= claims["auth_time"]
    assert problems == []


def test_relying_party_with_form_post_gets_the_code_posted(
    issuer_of, app, relying_party, workspace, page
):
    """response_mode=form_post (ASP.NET Core's default): the page posts the
    answer to the application at once; the CSP lets that one form go there."""
    pool, application, secret = setup_provider(
        workspace, kind="web", redirect_uris=[app.callback]
    )
    make_user(pool)
    rp = relying_party(workspace, application, secret)
    problems = watch_problems(page)
    page.goto(rp.authorization_url(response_mode="form_post"))
    password_sign_in(page)
    params = arrive(page, app, app.callback, problems)
    assert params["state"] == rp.pending["state"] and params["code"]
    token = rp.exchange(app.arrived[-1])
    assert rp.id_token_claims(token["id_token"], nonce=rp.pending["nonce"])["sub"]
    assert problems == []


def test_relying_party_spa_signs_in_with_a_passkey(
    issuer_of, app, relying_party, workspace, page
):
    pool, application, secret = setup_provider(
        workspace, kind="spa", redirect_uris=[app.callback]
    )
    assert secret is None
    ann = make_user(pool)
    cdp, authenticator = virtual_authenticator(page)
    # Chromium's virtual authenticator answers the autofill (conditional)
    # request by itself: off, so the button's ceremony is the one under test.
    page.add_init_script(
        "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
    )
    problems = watch_problems(page)
    base = f"{issuer_of(workspace)}/pools/{pool.pk}"

    # A passkey, added on the account page, then signed out.
    page.goto(f"{base}/signin/")
    password_sign_in(page)
    expect(page.get_by_role("heading", name=ann.display_name)).to_be_visible()
    page.goto(f"{base}/account/passkeys/")
    page.get_by_label("Passkey name (optional)").fill("This browser")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey “This browser” is added.")).to_be_visible()
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1
    page.goto(f"{base}/account/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # The application's request; the user types nothing.
    rp = relying_party(workspace, application, secret)
    page.goto(rp.authorization_url())
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Sign in with a passkey").click()
    params = arrive(page, app, app.callback, problems)
    assert params["state"] == rp.pending["state"] and "error" not in params

    # A public client: no secret, PKCE ("none" at the token endpoint).
    token = rp.exchange(app.arrived[-1])
    claims = rp.id_token_claims(token["id_token"], nonce=rp.pending["nonce"])
    assert claims["sub"] == str(ann.pk)
    # User verification was required: two factors in one.
    assert claims["amr"] == ["hwk", "mfa"] and claims["acr"] == "2"
    assert rp.userinfo(token["access_token"]).json()["sub"] == str(ann.pk)
    assert Passkey.objects.get(user=ann).last_used_at is not None
    assert problems == []


def test_relying_party_as_certified_libraries_ask(
    issuer_of, app, relying_party, workspace, page
):
    """What openid-client and others send by default: offline_access and
    scopes the provider does not know, max_age; what they check: RFC 9207's
    iss in the answer, auth_time against max_age."""
    pool, application, secret = setup_provider(
        workspace,
        kind="web",
        redirect_uris=[app.callback],
        post_logout_redirect_uris=[app.signed_out],
    )
    make_user(pool)
    rp = relying_party(workspace, application, secret)
    assert rp.metadata["authorization_response_iss_parameter_supported"] is True
    assert "offline_access" in rp.metadata["scopes_supported"]
    problems = watch_problems(page)
    scope = "openid email offline_access https://api.example.com/read"

    page.goto(rp.authorization_url(scope=scope))
    password_sign_in(page)
    params = arrive(page, app, app.callback, problems)
    assert params["iss"] == rp.metadata["issuer"] and params["code"]
    token = rp.exchange(app.arrived[-1])
    assert token["scope"] == "openid email offline_access"
    first = rp.id_token_claims(token["id_token"], nonce=rp.pending["nonce"])

    # Signed in a second ago, too old for max_age=0: the identifier page
    # again, and the new ID token says when.
    time.sleep(1.1)
    page.goto(rp.authorization_url(scope=scope, max_age="0"))
    expect(page.get_by_label("Email/Mobile")).to_be_visible()
    password_sign_in(page)
    arrive(page, app, app.callback, problems)
    again = rp.exchange(app.arrived[-1])
    claims = rp.id_token_claims(again["id_token"], nonce=rp.pending["nonce"])
    assert claims["auth_time"] > first["auth_time"]
    assert claims["sid"] == first["sid"]  # the same single sign-on session

    # Signed out of the provider: offline access carries on.
    page.goto(rp.end_session_url(again["id_token"], state="bye", then=app.signed_out))
    arrive(page, app, app.signed_out, problems)
    refreshed = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": again["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert problems == []
