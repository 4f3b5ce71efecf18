"""``max_age`` while the browser is signed in: a sign-in older than the
application allows means signing in again (the identifier page, not the
signed-in shortcut), and the ID token carries the new ``auth_time``; under
``prompt=none`` it is ``login_required``. The same user signing in again keeps
their single sign-on session (the same ``sid``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.flows.sign_in_state import SIGNED_IN_KEY
from accounts.hosted.session import HostedSessionMiddleware
from accounts.models import SsoSession

from .oidc_helpers import (
    authorize,
    authorize_url,
    callback_params,
    exchange,
    follow_to_application,
    get_code,
    hosted,
    make_user,
    sign_in,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def age_sign_in(client, seconds: int) -> float:
    """Make this browser's sign-in ``seconds`` older; returns its new time."""
    store = HostedSessionMiddleware(None).store
    session = store(client.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value)
    signed_in = session[SIGNED_IN_KEY]
    signed_in["at"] -= seconds
    session[SIGNED_IN_KEY] = signed_in
    session.save()
    return signed_in["at"]


def first_sign_in(client, workspace, application, pool, secret) -> dict:
    code, verifier = get_code(client, workspace, application, pool)
    body = exchange(client, workspace, application, code, verifier, secret).json()
    return verify_id_token(client, workspace, body["id_token"])


def test_a_sign_in_older_than_max_age_signs_in_again(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    before = first_sign_in(client, workspace, application, pool, secret)
    old = age_sign_in(client, 600)
    response, verifier = authorize(client, workspace, application, max_age="300")
    assert response["Location"].startswith(hosted(pool, "sign_in"))
    # The identifier page, not "you are signed in".
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="identifier"' in page.content.decode()
    code = callback_params(follow_to_application(client, sign_in(client, pool)))
    body = exchange(client, workspace, application, code["code"], verifier, secret)
    claims = verify_id_token(client, workspace, body.json()["id_token"])
    assert claims["auth_time"] > old + 590
    assert claims["auth_time"] >= before["auth_time"]
    # The same user again: the same single sign-on session, renewed.
    assert claims["sid"] == before["sid"]
    assert SsoSession.objects.get().ended_at is None


def test_a_sign_in_within_max_age_answers_at_once(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    first_sign_in(client, workspace, application, pool, secret)
    old = age_sign_in(client, 100)
    code, verifier = get_code(
        client, workspace, application, pool, signed_in=True, max_age="300"
    )
    body = exchange(client, workspace, application, code, verifier, secret).json()
    claims = verify_id_token(client, workspace, body["id_token"])
    assert claims["auth_time"] == int(old)


def test_max_age_zero_always_signs_in_again(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    first_sign_in(client, workspace, application, pool, secret)
    response, _ = authorize(client, workspace, application, max_age="0")
    assert response["Location"].startswith(hosted(pool, "sign_in"))
    assert client.get(response["Location"]).status_code == 200


def test_too_old_under_prompt_none_is_login_required(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    first_sign_in(client, workspace, application, pool, secret)
    age_sign_in(client, 600)
    response = client.get(
        authorize_url(workspace, application, max_age="300", prompt="none")
    )
    answer = callback_params(response["Location"])
    assert (answer["error"], answer["state"]) == ("login_required", "st-1")


@pytest.mark.parametrize("asked", [{"max_age": "300"}, {"prompt": "login"}])
def test_the_waiting_request_is_not_answered_without_the_new_sign_in(
    client, workspace, web, asked
):
    """Leaving the sign-in page for the account page (which sends a waiting
    request on) does not turn the old sign-in into a code."""
    pool, application, secret = web
    make_user(pool)
    first_sign_in(client, workspace, application, pool, secret)
    age_sign_in(client, 600)
    response, _ = authorize(client, workspace, application, **asked)
    assert response["Location"].startswith(hosted(pool, "sign_in"))
    account = client.get(hosted(pool, "account"))
    resumed = client.get(account["Location"])
    assert resumed.status_code == 302
    assert resumed["Location"].startswith(hosted(pool, "sign_in")), resumed["Location"]
    assert "code" not in callback_params(resumed["Location"])


def test_a_consent_answer_does_not_stand_in_for_the_new_sign_in(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    first_sign_in(client, workspace, application, pool, secret)
    age_sign_in(client, 600)
    authorize(client, workspace, application, max_age="300")
    answered = client.post(
        reverse("oidc:authorize_continue", args=[workspace.slug]),
        {"decision": "allow"},
    )
    assert answered["Location"].startswith(hosted(pool, "sign_in"))
