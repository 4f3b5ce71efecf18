"""``WWW-Authenticate`` on the provider's endpoints: plain ASCII in the shape
of RFC 7235 and RFC 6750 (a bare ``Bearer realm`` when no token was sent), the
same error and description as the JSON body, and readable by browser apps
(exposed to CORS requests)."""

from __future__ import annotations

import re

import pytest

from oidc.server import issuer

from .oidc_helpers import basic, exchange, get_code, make_user, token_url

pytestmark = pytest.mark.django_db

QUOTED = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
CHALLENGE = re.compile(rf"(Bearer|Basic) \w+={QUOTED}(, \w+={QUOTED})*")
ORIGIN = "https://app.example.com"


def challenge(response) -> tuple[str, dict]:
    """The scheme and parameters of the response's WWW-Authenticate, after
    checking its shape."""
    header = response["WWW-Authenticate"]
    assert CHALLENGE.fullmatch(header), header
    scheme, _, rest = header.partition(" ")
    return scheme, dict(re.findall(r'(\w+)="([^"]*)"', rest))


def userinfo(client, workspace, **headers):
    return client.get(token_url(workspace, "userinfo"), headers=headers)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer ", "Basic YTpi", "Digest x"]
)
def test_userinfo_without_a_token_asks_for_one(client, workspace, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = userinfo(client, workspace, **headers)
    assert response.status_code == 401
    scheme, params = challenge(response)
    assert (scheme, params) == ("Bearer", {"realm": issuer(workspace)})
    assert "error" not in response.json()  # RFC 6750 §3.1: no error code


def test_userinfo_with_a_bad_token_says_invalid_token(client, workspace):
    response = userinfo(client, workspace, Authorization="Bearer ipat_nope")
    assert response.status_code == 401
    scheme, params = challenge(response)
    body = response.json()
    assert scheme == "Bearer" and params["realm"] == issuer(workspace)
    assert params["error"] == body["error"] == "invalid_token"
    assert params["error_description"] == body["error_description"]


def test_userinfo_without_openid_says_insufficient_scope(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool, scope="profile")
    body = exchange(client, workspace, application, code, verifier, secret).json()
    response = userinfo(
        client, workspace, Authorization=f"Bearer {body['access_token']}"
    )
    assert response.status_code == 403
    scheme, params = challenge(response)
    assert scheme == "Bearer"
    assert params["error"] == response.json()["error"] == "insufficient_scope"
    assert params["scope"] == "openid"


@pytest.mark.parametrize("endpoint", ["token", "revoke", "introspect"])
def test_a_wrong_client_secret_is_challenged_as_the_body_says(
    client, workspace, web, endpoint
):
    _, application, _ = web
    response = client.post(
        token_url(workspace, endpoint),
        {"grant_type": "authorization_code", "code": "x", "token": "ipat_x"},
        headers=basic(application, "ips_wrong"),
    )
    assert response.status_code == 401
    scheme, params = challenge(response)
    body = response.json()
    assert scheme == "Basic" and params["realm"] == issuer(workspace)
    assert params["error"] == body["error"] == "invalid_client"
    assert params["error_description"] == body["error_description"]
    assert "console_try_it" not in response["WWW-Authenticate"]


def test_other_token_errors_carry_no_challenge(client, workspace, web):
    _, application, secret = web
    response = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": "iprt_nope"},
        headers=basic(application, secret),
    )
    assert response.status_code == 400 and "WWW-Authenticate" not in response


def test_browser_apps_can_read_the_challenge(client, workspace, web):
    response = userinfo(client, workspace, Origin=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    exposed = response["Access-Control-Expose-Headers"].replace(" ", "").split(",")
    assert "WWW-Authenticate" in exposed
