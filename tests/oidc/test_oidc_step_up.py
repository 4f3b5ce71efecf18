"""Step-up: an application asks for two factors (``acr_values=2``) from a user
who signed in with one; the hosted pages ask for a second factor (or to set
one up) and the ID token then says ``acr`` 2. "2 1" takes one factor when a
second cannot be had; "2" alone gets ``unmet_authentication_requirements``."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import SsoSession
from identity_pools.models import Identifier, SignInPolicy

from .oidc_helpers import (
    authorize,
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


@pytest.fixture
def ann(web):
    pool, _, _ = web
    user = make_user(pool)
    Identifier.objects.filter(user=user).update(is_verified=True)
    return user


def policy(pool, **values):
    SignInPolicy.objects.update_or_create(pool=pool, defaults=values)


def claims_of(client, workspace, application, secret, code, verifier) -> dict:
    body = exchange(client, workspace, application, code, verifier, secret).json()
    return verify_id_token(client, workspace, body["id_token"])


def redirected_to(client, response, location: str, limit: int = 4):
    """Follow the provider's redirects from ``response`` until one goes to
    ``location`` (the sign-in's next page); that response, or the last one."""
    for _ in range(limit):
        if response["Location"] == location:
            break
        response = client.get(response["Location"])
    return response


def test_a_second_factor_is_asked_when_the_application_wants_two(
    client, workspace, web, ann, django_capture_on_commit_callbacks
):
    pool, application, secret = web
    # Optional second factor: email codes count, but a password alone signs in.
    policy(pool, second_factor="optional", mfa_email_code=True)
    code, verifier = get_code(client, workspace, application, pool)
    claims = claims_of(client, workspace, application, secret, code, verifier)
    assert (claims["amr"], claims["acr"]) == (["pwd"], "1")

    # Signed in with one factor; the application now wants two.
    response, verifier = authorize(client, workspace, application, acr_values="2")
    assert response["Location"] == hosted(pool, "sign_in_second")
    page = client.get(response["Location"]).content.decode()
    assert "Email me a code" in page or "Send me a code" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(hosted(pool, "sign_in_second"), {"action": "send"})
    sent = re.search(r"\b(\d{6,10})\b", mail.outbox[-1].body).group(1)
    done = client.post(hosted(pool, "sign_in_second"), {"code": sent})
    query = callback_params(follow_to_application(client, done))
    assert query["state"] == "st-1" and "error" not in query
    claims = claims_of(client, workspace, application, secret, query["code"], verifier)
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], "2")
    # The same single sign-on session, now of two factors.
    assert SsoSession.objects.get(user=ann).method == "password+email_code"

    # Two factors already: no question asked.
    again, verifier = authorize(client, workspace, application, acr_values="2")
    assert callback_params(follow_to_application(client, again)).get("code")


def test_a_user_without_a_second_factor_is_asked_to_set_one_up(
    client, workspace, web, ann
):
    pool, application, _ = web
    policy(pool, second_factor="optional", mfa_totp=True)
    response, _ = authorize(client, workspace, application, acr_values="2")
    assert response["Location"].startswith(hosted(pool, "sign_in"))
    signed = redirected_to(client, sign_in(client, pool), hosted(pool, "sign_in_enrol"))
    assert signed["Location"] == hosted(pool, "sign_in_enrol")
    assert "authenticator app" in client.get(signed["Location"]).content.decode()


@pytest.mark.parametrize(
    ("acr_values", "second_factor", "outcome"),
    [
        # The pool counts no second factor: "2" alone cannot be met ...
        ("2", "off", "unmet_authentication_requirements"),
        # ... "2 1" takes what can be had.
        ("2 1", "off", "1"),
        # A preference does not make a user set a second factor up.
        ("2 1", "optional-app", "1"),
        # "1" first, or values that are not ours: nothing more is asked.
        ("1 2", "optional", "1"),
        ("urn:example:loa:high", "optional", "1"),
    ],
)
def test_what_the_application_gets_when_two_factors_cannot_be_had(
    client, workspace, web, ann, acr_values, second_factor, outcome
):
    pool, application, secret = web
    if second_factor == "optional-app":  # one to set up, none the user has
        policy(pool, second_factor="optional", mfa_totp=True)
    else:
        policy(pool, second_factor=second_factor, mfa_email_code=True)
    get_code(client, workspace, application, pool)
    response, verifier = authorize(
        client, workspace, application, acr_values=acr_values
    )
    query = callback_params(follow_to_application(client, response))
    assert query["state"] == "st-1"
    if outcome == "1":
        claims = claims_of(
            client, workspace, application, secret, query["code"], verifier
        )
        assert claims["acr"] == "1"
    else:
        assert query["error"] == outcome
        assert "second factor" in query["error_description"]


def test_prompt_none_cannot_ask_for_a_second_factor(client, workspace, web, ann):
    pool, application, _ = web
    policy(pool, second_factor="optional", mfa_email_code=True)
    get_code(client, workspace, application, pool)
    response, _ = authorize(
        client, workspace, application, acr_values="2", prompt="none"
    )
    query = callback_params(response["Location"])
    assert (query["error"], query["state"]) == ("interaction_required", "st-1")
    # "2 1": one factor will do, without a page.
    response, _ = authorize(
        client, workspace, application, acr_values="2 1", prompt="none"
    )
    assert callback_params(response["Location"]).get("code")


def test_coming_back_without_the_second_factor_is_refused(client, workspace, web, ann):
    pool, application, _ = web
    policy(pool, second_factor="optional", mfa_email_code=True)
    get_code(client, workspace, application, pool)
    response, _ = authorize(client, workspace, application, acr_values="2")
    assert response["Location"] == hosted(pool, "sign_in_second")
    # The browser skips the second factor and goes back to the request.
    back = client.get(reverse("oidc:authorize_continue", args=[workspace.slug]))
    query = callback_params(back["Location"])
    assert query["error"] == "unmet_authentication_requirements"


def test_an_application_that_requires_two_factors_always_gets_them(
    client, workspace, web, ann, django_capture_on_commit_callbacks
):
    pool, application, secret = web
    application.require_two_factors = True
    application.save(update_fields=["require_two_factors"])
    policy(pool, second_factor="optional", mfa_email_code=True)
    # Whatever the request asks ("1" here), a password is not enough.
    _, verifier = authorize(client, workspace, application, acr_values="1")
    page = redirected_to(client, sign_in(client, pool), hosted(pool, "sign_in_second"))
    assert page["Location"] == hosted(pool, "sign_in_second")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(hosted(pool, "sign_in_second"), {"action": "send"})
    sent = re.search(r"\b(\d{6,10})\b", mail.outbox[-1].body).group(1)
    done = client.post(hosted(pool, "sign_in_second"), {"code": sent})
    query = callback_params(follow_to_application(client, done))
    claims = claims_of(client, workspace, application, secret, query["code"], verifier)
    assert claims["acr"] == "2"
    # With no second factor the pool counts, the application gets the error.
    policy(pool, second_factor="off")
    other = Client()
    authorize(other, workspace, application)
    refused = follow_to_application(other, sign_in(other, pool))
    assert callback_params(refused)["error"] == "unmet_authentication_requirements"
