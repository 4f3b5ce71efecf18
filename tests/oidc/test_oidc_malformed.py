"""Malformed requests to the OpenID provider: whatever a parameter or header
holds (backslashes, quotes, non-ASCII, NUL, lone surrogates, bytes that are
not UTF-8, very long values, repeats), the answer is an error page or an error
for the application, never a 500; errors go back to the application only when
its client id and exact redirect URI are known, and their descriptions stay
in RFC 6749's character set."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from oidc.signing_keys import workspace_jwks

from .oidc_helpers import (
    REDIRECT,
    callback_params,
    get_code,
    make_user,
    pkce,
    token_url,
)

pytestmark = pytest.mark.django_db

PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "id_token_hint",
    "acr_values",
    "ui_locales",
    "display",
    "claims",
    "something_else",
)
ODD_VALUES = (
    "\\",
    "a\\b",
    '"',
    "é",
    "\U0001f600",
    "\r\n",
    "<script>",
    "&=",
    "",
    " ",
    "99999999999999999999",
    "none login",
    "x" * 300,
    "x" * 2048,
    "x" * 2049,
)
# Percent-encoded bytes as they arrive: NUL, a lone surrogate in UTF-8 form,
# bytes that are not UTF-8, an overlong NUL.
RAW_VALUES = ("a%00b", "a%ED%A0%80b", "a%FFb", "a%C0%80b")
# RFC 6749 §4.1.2.1: error and error_description characters.
ERROR_CHARACTERS = set(map(chr, range(0x20, 0x7F))) - {'"', "\\"}


def base_query(application) -> dict:
    _verifier, challenge = pkce()
    return {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def send(client, workspace, method: str, query: str):
    url = reverse("oidc:authorize", args=[workspace.slug])
    if method == "get":
        return client.get(f"{url}?{query}")
    return client.post(url, query, content_type="application/x-www-form-urlencoded")


def assert_answered(response, workspace) -> None:
    """An answer, not a crash: an error page, a page of the provider, or a
    redirect to the application (errors in RFC 6749's characters) or to the
    provider's own pages."""
    assert response.status_code < 500
    location = response.get("Location")
    if location is None:
        return
    assert location.startswith((REDIRECT, f"/w/{workspace.slug}/")), location
    if location.startswith(REDIRECT):
        answer = callback_params(location)
        for name in ("error", "error_description"):
            assert set(answer.get(name, "")) <= ERROR_CHARACTERS, answer


# GET and POST parse differently; signed in, the request goes on to codes,
# consent and the stored nonce.
@pytest.mark.parametrize(
    "method, signed_in", [("get", False), ("post", False), ("get", True)]
)
@pytest.mark.parametrize("name", PARAMETERS)
def test_odd_authorization_parameters_are_answered(
    client, workspace, web, name, method, signed_in
):
    pool, application, _ = web
    make_user(pool)
    if signed_in:
        get_code(client, workspace, application, pool)
    browser = client
    browser.raise_request_exception = False  # a 500 is asserted, not raised
    for value in ODD_VALUES:
        query = {**base_query(application), name: value}
        assert_answered(send(browser, workspace, method, urlencode(query)), workspace)
    for raw in RAW_VALUES:
        query = urlencode(base_query(application)) + f"&{name}={raw}"
        assert_answered(send(browser, workspace, method, query), workspace)
    repeated = [*base_query(application).items(), (name, "one"), (name, "two")]
    response = send(browser, workspace, method, urlencode(repeated))
    assert_answered(response, workspace)
    if name != "something_else":  # unknown parameters are ignored
        assert response.status_code == 400 or "error" in callback_params(
            response["Location"]
        )


@pytest.mark.parametrize("value", ["\\", "code\\", "code token", "é", '"', "\r\n"])
def test_an_odd_response_type_is_unsupported_at_the_application(
    client, workspace, web, value
):
    _pool, application, _ = web
    query = {**base_query(application), "response_type": value}
    response = send(client, workspace, "get", urlencode(query))
    answer = callback_params(response["Location"])
    assert answer["error"] == "unsupported_response_type"
    assert answer["state"] == "st-1"


@pytest.mark.parametrize("value", ["\\", "https://app.example.com/callback\\", "é"])
def test_an_odd_redirect_uri_gets_the_error_page(client, workspace, web, value):
    _pool, application, _ = web
    query = {**base_query(application), "redirect_uri": value}
    for method in ("get", "post"):
        response = send(client, workspace, method, urlencode(query))
        assert response.status_code == 400 and "Location" not in response


def test_a_repeated_client_id_or_redirect_uri_gets_the_error_page(
    client, workspace, web
):
    _pool, application, _ = web
    for name, value in (
        ("client_id", application.client_id),
        ("redirect_uri", REDIRECT),
    ):
        query = [*base_query(application).items(), (name, value)]
        response = send(client, workspace, "get", urlencode(query))
        assert response.status_code == 400 and "Location" not in response


def test_a_repeated_parameter_is_an_invalid_request(client, workspace, web):
    _pool, application, _ = web
    query = [*base_query(application).items(), ("nonce", "n-2")]
    answer = callback_params(
        send(client, workspace, "get", urlencode(query))["Location"]
    )
    assert (
        answer["error"] == "invalid_request" and "nonce" in answer["error_description"]
    )


def test_a_nonce_too_long_to_keep_is_an_invalid_request(client, workspace, web):
    pool, application, _ = web
    make_user(pool)
    get_code(client, workspace, application, pool)
    query = {**base_query(application), "nonce": "n" * 256}
    answer = callback_params(
        send(client, workspace, "get", urlencode(query))["Location"]
    )
    assert (
        answer["error"] == "invalid_request" and "nonce" in answer["error_description"]
    )
    query["nonce"] = "n" * 255
    answer = callback_params(
        send(client, workspace, "get", urlencode(query))["Location"]
    )
    assert answer.get("code")


@pytest.mark.parametrize(
    "header",
    [
        "Basic ",
        "Basic",
        "Basic é",
        "Basic \u2026",
        "Basic !!!",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":").decode(),
    ],
)
@pytest.mark.parametrize("endpoint", ["token", "revoke", "introspect"])
def test_a_malformed_basic_header_is_invalid_client(
    client, workspace, web, endpoint, header
):
    client.raise_request_exception = False
    form = {"grant_type": "authorization_code", "code": "x", "token": "ipat_x"}
    response = client.post(
        token_url(workspace, endpoint),
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": header},
    )
    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_client"


def test_logout_with_a_hint_before_any_key_exists_is_an_error_page(
    client, workspace, web
):
    _pool, application, _ = web
    assert workspace_jwks(workspace=workspace)["keys"] == []
    client.raise_request_exception = False
    response = client.get(
        token_url(workspace, "end_session")
        + "?"
        + urlencode({"id_token_hint": "a.b.c", "client_id": application.client_id})
    )
    assert response.status_code == 400 and "not valid" in response.content.decode()
