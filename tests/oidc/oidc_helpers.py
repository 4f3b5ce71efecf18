"""What the OpenID provider's tests share: a workspace with a pool connected
as an identity provider, applications of each kind, and a relying party
driving the test client through authorize → sign-in → token."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from accounts.authenticators.passwords.services import password_set
from core.audit import SystemActor
from oidc.applications import application_create
from oidc.connections import idp_connect
from tests.conftest import hosted_url as hosted
from tests.factories import IdentityPoolFactory, PoolUserFactory

GOOD = "a long enough passphrase for 2026"
REDIRECT = "https://app.example.com/callback"
ACTOR = SystemActor("tests")


def setup_provider(workspace, *, kind="web", **fields):
    pool = IdentityPoolFactory(workspace=workspace)
    connection = idp_connect(workspace=workspace, actor=ACTOR, pool=pool)
    fields.setdefault("redirect_uris", [REDIRECT])
    application, secret = application_create(
        workspace=workspace,
        actor=ACTOR,
        name=f"App {secrets.token_hex(3)}",
        kind=kind,
        connections=[connection],
        **fields,
    )
    return pool, application, secret


def make_user(pool, email="ann@example.com", **fields):
    user = PoolUserFactory(pool=pool, email=email, **fields)
    password_set(user=user, raw_password=GOOD)
    return user


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    return verifier, challenge


def authorize_url(workspace, application, **params) -> str:
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email",
        "state": "st-1",
        "nonce": secrets.token_urlsafe(8),
        **params,
    }
    query = {k: v for k, v in query.items() if v is not None}
    return reverse("oidc:authorize", args=[workspace.slug]) + "?" + urlencode(query)


def console_url(workspace, name: str, *args) -> str:
    """The address of the provider's console screen ``oidc_console:<name>``."""
    return reverse(f"oidc_console:{name}", args=[workspace.slug, *args])


def sign_in(client, pool, identifier="ann@example.com", password=GOOD):
    client.post(hosted(pool, "sign_in"), {"identifier": identifier})
    return client.post(hosted(pool, "sign_in_password"), {"password": password})


def follow_to_application(client, response, limit=8):
    """Follow redirects inside the provider until one leaves for the app."""
    for _ in range(limit):
        location = response["Location"]
        if location.startswith("https://app.example.com"):
            return location
        response = client.get(location)
        assert response.status_code == 302, response.content.decode()[:500]
    raise AssertionError("never reached the application")


def callback_params(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(client, workspace, application, **params):
    """An authorization request with PKCE S256; returns (response, verifier)."""
    verifier, challenge = pkce()
    response = client.get(
        authorize_url(
            workspace,
            application,
            code_challenge=challenge,
            code_challenge_method="S256",
            **params,
        )
    )
    return response, verifier


def get_code(client, workspace, application, pool, *, signed_in=False, **params):
    """A code for the signed-in (or, first, signing-in) user; returns
    (code, verifier)."""
    response, verifier = authorize(client, workspace, application, **params)
    assert response.status_code == 302, response.content.decode()[:800]
    if not signed_in:
        assert response["Location"].startswith(hosted(pool, "sign_in"))
        response = sign_in(client, pool)
    location = follow_to_application(client, response)
    query = callback_params(location)
    assert query.get("state") == params.get("state", "st-1"), query
    return query["code"], verifier


def token_url(workspace, name="token"):
    return reverse(f"oidc:{name}", args=[workspace.slug])


def exchange(client, workspace, application, code, verifier, secret=None, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **extra,
    }
    data = {k: v for k, v in data.items() if v is not None}
    headers = {}
    if secret:
        basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    else:
        data["client_id"] = application.client_id
    return client.post(token_url(workspace), data, headers=headers)


def refresh(client, workspace, application, secret, token):
    """A refresh-token grant at the token endpoint (client_secret_basic)."""
    return client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": token},
        headers=basic(application, secret),
    )


def userinfo(client, workspace, access_token):
    return client.get(
        token_url(workspace, "userinfo"),
        headers={"Authorization": f"Bearer {access_token}"},
    )


def basic(application, secret) -> dict:
    raw = f"{application.client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def verify_id_token(client, workspace, id_token) -> dict:
    jwks = client.get(reverse("oidc:jwks", args=[workspace.slug])).json()
    return jwt.decode(id_token, KeySet.import_key_set(jwks)).claims
