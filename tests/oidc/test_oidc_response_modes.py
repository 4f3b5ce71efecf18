"""How the authorization response reaches the application: the redirect URI's
query (default), its fragment, or a form the browser posts (form_post, the
default of ASP.NET Core's OpenID Connect handler) — errors too, and each with
the issuer (RFC 9207's ``iss``)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from .oidc_helpers import (
    REDIRECT,
    authorize,
    authorize_url,
    callback_params,
    exchange,
    follow_to_application,
    get_code,
    make_user,
    setup_provider,
    sign_in,
)

pytestmark = pytest.mark.django_db


def posted_fields(page: str) -> dict:
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page
        )
    }


def test_form_post_sends_the_code_as_a_form_to_the_application(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    start, verifier = authorize(
        client, workspace, application, response_mode="form_post"
    )
    response = sign_in(client, pool)
    for _ in range(5):
        if response.status_code != 302:
            break
        response = client.get(response["Location"])
    assert start.status_code == 302 and response.status_code == 200
    page = response.content.decode()
    assert f'action="{REDIRECT}"' in page and 'id="form-post"' in page
    assert "js/form_post.js" in page
    fields = posted_fields(page)
    assert fields["state"] == "st-1" and fields["code"]
    assert response["Cache-Control"] == "no-store"
    # The page's CSP lets its form go to the application, and nowhere else.
    form_action = re.search(
        r"form-action ([^;]*)", response["Content-Security-Policy"]
    ).group(1)
    assert form_action.split() == ["'self'", "https://app.example.com"]
    token = exchange(client, workspace, application, fields["code"], verifier, secret)
    assert token.status_code == 200, token.content


def test_errors_take_the_same_way(client, workspace, web):
    _, application, _ = web
    response = client.get(
        authorize_url(workspace, application, prompt="none", response_mode="form_post")
    )
    assert response.status_code == 200
    fields = posted_fields(response.content.decode())
    assert (fields["error"], fields["state"]) == ("login_required", "st-1")


def test_fragment_puts_the_answer_after_the_hash(client, workspace, web):
    pool, application, _ = web
    make_user(pool)
    get_code(client, workspace, application, pool)
    response = client.get(
        authorize_url(workspace, application, response_mode="fragment")
    )
    location = follow_to_application(client, response)
    parts = urlsplit(location)
    assert parts.query == ""
    answer = dict(parse_qsl(parts.fragment))
    assert answer["state"] == "st-1" and answer["code"]


def test_an_unknown_response_mode_is_an_invalid_request(client, workspace, web):
    _, application, _ = web
    response = client.get(
        authorize_url(workspace, application, response_mode="web_message")
    )
    query = callback_params(response["Location"])
    assert query["error"] == "invalid_request"
    assert "response_mode" in query["error_description"]


def test_discovery_lists_the_modes(client, workspace, web):
    document = client.get(reverse("oidc:discovery", args=[workspace.slug])).json()
    assert document["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert document["authorization_response_iss_parameter_supported"] is True


def answer_of(response, mode: str) -> dict:
    """The authorization response's parameters, as the application gets them."""
    if mode == "form_post":
        assert response.status_code == 200
        return posted_fields(response.content.decode())
    location = response["Location"]
    assert location.startswith(REDIRECT), location
    parts = urlsplit(location)
    return dict(parse_qsl(parts.fragment if mode == "fragment" else parts.query))


@pytest.mark.parametrize("mode", ["query", "fragment", "form_post"])
@pytest.mark.parametrize(
    "outcome, params",
    [
        ("code", {}),
        ("login_required", {"prompt": "none", "signed_in": False}),
        ("invalid_request", {"max_age": "soon"}),
        ("unsupported_response_type", {"response_type": "token"}),
        ("request_not_supported", {"request": "e30.e30."}),
    ],
)
def test_every_authorization_response_names_the_issuer(
    client, workspace, web, mode, outcome, params
):
    pool, application, _ = web
    make_user(pool)
    params = dict(params)  # each run its own copy
    if params.pop("signed_in", True):
        get_code(client, workspace, application, pool)
    response, _ = authorize(
        client, workspace, application, response_mode=mode, **params
    )
    answer = answer_of(response, mode)
    assert answer.get("error", "code") == outcome and answer["state"] == "st-1"
    document = client.get(reverse("oidc:discovery", args=[workspace.slug])).json()
    assert answer["iss"] == document["issuer"]


def test_the_issuer_follows_the_redirect_uris_own_query(client, workspace):
    pool, application, _ = setup_provider(
        workspace, kind="web", redirect_uris=[REDIRECT + "?tenant=a%20b"]
    )
    make_user(pool)
    authorize(client, workspace, application, redirect_uri=REDIRECT + "?tenant=a%20b")
    location = follow_to_application(client, sign_in(client, pool))
    assert location.startswith(REDIRECT + "?tenant=a%20b&")
    answer = dict(parse_qsl(urlsplit(location).query))
    assert answer["tenant"] == "a b" and answer["code"] and answer["iss"]
