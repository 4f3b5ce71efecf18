"""How the authorization response reaches the application: the redirect URI's
query (default), its fragment, or a form the browser posts (form_post, the
default of ASP.NET Core's OpenID Connect handler) — errors too."""

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
