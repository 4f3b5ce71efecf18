"""``id_token_hint`` on the authorization request: the application names the
user it expects. The browser's user answers as usual; another user means a
new sign-in (``login_required`` under ``prompt=none``); a hint this provider
did not issue to this application is an ``invalid_request``."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import WorkspaceFactory

from .oidc_helpers import (
    authorize,
    authorize_url,
    callback_params,
    exchange,
    follow_to_application,
    get_code,
    hosted,
    make_user,
    setup_provider,
    sign_in,
)

pytestmark = pytest.mark.django_db


def id_token_of(workspace, application, secret, pool, email) -> str:
    """An ID token for a new user ``email``, signed in in a browser of its own."""
    make_user(pool, email=email)
    browser = Client()
    _, verifier = authorize(browser, workspace, application)
    done = sign_in(browser, pool, identifier=email)
    code = callback_params(follow_to_application(browser, done))["code"]
    body = exchange(browser, workspace, application, code, verifier, secret).json()
    return body["id_token"]


def test_the_hinted_user_signed_in_gets_a_code_at_once(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    ann_token = exchange(client, workspace, application, code, verifier, secret)
    hint = ann_token.json()["id_token"]
    response = client.get(
        authorize_url(workspace, application, prompt="none", id_token_hint=hint)
    )
    assert callback_params(response["Location"]).get("code")


def test_another_user_signed_in_must_sign_in_again(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    get_code(client, workspace, application, pool)  # Ann, in this browser
    bobs = id_token_of(workspace, application, secret, pool, "bob@example.com")
    quiet = client.get(
        authorize_url(workspace, application, prompt="none", id_token_hint=bobs)
    )
    query = callback_params(quiet["Location"])
    assert (query["error"], query["state"]) == ("login_required", "st-1")
    asked = client.get(authorize_url(workspace, application, id_token_hint=bobs))
    assert asked["Location"].startswith(hosted(pool, "sign_in"))
    # The identifier page itself, not the signed-in shortcut to Ann's account.
    assert client.get(asked["Location"]).status_code == 200


def test_a_hint_this_provider_did_not_issue_to_the_application_is_refused(
    client, workspace, web
):
    pool, application, _ = web
    make_user(pool)
    get_code(client, workspace, application, pool)
    other_app = setup_provider(workspace, kind="web")
    elsewhere = WorkspaceFactory()
    foreign = setup_provider(elsewhere, kind="web")
    hints = {
        "garbage": "not.a.token",
        "another application's": id_token_of(
            workspace, other_app[1], other_app[2], other_app[0], "cy@example.com"
        ),
        "another workspace's": id_token_of(
            elsewhere, foreign[1], foreign[2], foreign[0], "di@example.com"
        ),
    }
    for kind, hint in hints.items():
        response = client.get(authorize_url(workspace, application, id_token_hint=hint))
        query = callback_params(response["Location"])
        assert query["error"] == "invalid_request", kind
        assert "id_token_hint" in query["error_description"], kind
