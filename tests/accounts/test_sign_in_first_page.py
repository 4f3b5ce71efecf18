"""The pool's "password on the first page": identifier and password on one page,
signed in with one request, with the password step's answers and blocks; the
password left empty goes on to the other methods."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from core.models import AuditEvent
from identity_pools.models import SignInPolicy
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"


@pytest.fixture
def pool(workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    SignInPolicy.objects.create(pool=pool, password_on_first_page=True)
    return pool


def first_page(client, pool, identifier, password=""):
    return client.post(
        url(pool, "sign_in"), {"identifier": identifier, "password": password}
    )


def _body(response) -> str:
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()
    )


def test_the_first_page_asks_for_the_password_and_signs_in_at_once(client, pool, ann):
    page = client.get(url(pool, "sign_in")).content.decode()
    assert 'name="password"' in page and 'autocomplete="current-password"' in page
    assert "Forgot password?" in page
    response = first_page(client, pool, "ANN@example.com", GOOD)
    assert response["Location"] == url(pool, "account")
    assert "ann@example.com" in client.get(url(pool, "account")).content.decode()
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert (event.actor_id, event.details) == (str(ann.pk), {"method": "password"})


def test_a_wrong_password_and_an_unknown_identifier_get_the_same_page(
    client, pool, ann
):
    wrong = first_page(client, pool, "ann@example.com", "not the password, surely")
    unknown = first_page(client, pool, "bob@example.com", "not the password, surely")
    assert wrong.status_code == unknown.status_code == 200
    assert "is not correct" in wrong.content.decode()
    # The identifier stays in the form; the password is never sent back.
    assert 'value="ann@example.com"' in wrong.content.decode()
    assert "not the password" not in wrong.content.decode()
    assert _body(wrong).replace("ann@", "bob@") == _body(unknown)
    assert not AuditEvent.objects.filter(action="pool_user.signed_in").exists()


def test_failures_block_the_identifier_as_on_the_password_page(client, pool, ann):
    for _ in range(5):
        failed = first_page(client, pool, "ann@example.com", "wrong guess")
        assert failed.status_code == 200 and "is not correct" in failed.content.decode()
    blocked = first_page(client, pool, "ann@example.com", GOOD)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.content.decode()
    assert not AuditEvent.objects.filter(action="pool_user.signed_in").exists()


def test_an_empty_password_goes_on_to_the_other_methods(
    client, pool, ann, django_capture_on_commit_callbacks
):
    SignInPolicy.objects.filter(pool=pool).update(email_code_enabled=True)
    ann.identifiers.update(is_verified=True)
    page = client.get(url(pool, "sign_in")).content.decode()
    assert "Leave the password empty" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = first_page(client, pool, "ann@example.com")
    assert response["Content-Location"] == url(pool, "sign_in_code")
    assert len(mail.outbox) == 1


def test_an_empty_password_is_asked_for_when_it_is_the_only_method(client, pool, ann):
    SignInPolicy.objects.filter(pool=pool).update(passkey_enabled=False)
    response = first_page(client, pool, "ann@example.com")
    assert response.status_code == 200
    assert "Enter your password." in response.content.decode()
    assert "Leave the password empty" not in response.content.decode()


def test_a_second_factor_still_follows(client, pool, ann):
    SignInPolicy.objects.filter(pool=pool).update(
        second_factor="required", mfa_email_code=True
    )
    ann.identifiers.update(is_verified=True)
    response = first_page(client, pool, "ann@example.com", GOOD)
    assert response["Location"] in (
        url(pool, "sign_in_second"),
        url(pool, "sign_in_enrol"),
    )
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")


def test_off_the_first_page_asks_for_the_identifier_only(client, pool, ann):
    SignInPolicy.objects.filter(pool=pool).update(password_on_first_page=False)
    assert 'name="password"' not in client.get(url(pool, "sign_in")).content.decode()
    response = first_page(client, pool, "ann@example.com", GOOD)
    assert response["Content-Location"] == url(
        pool, "sign_in_password"
    )  # not signed in
    assert not AuditEvent.objects.filter(action="pool_user.signed_in").exists()


def test_without_passwords_the_first_page_has_no_password_field(client, pool, ann):
    SignInPolicy.objects.filter(pool=pool).update(
        password_enabled=False, preferred_method="passkey"
    )
    assert 'name="password"' not in client.get(url(pool, "sign_in")).content.decode()


def test_operators_turn_it_on_in_sign_in_methods(owner_client, workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    page = reverse(
        "identity_pools:pool_sign_in_methods", args=[workspace.slug, pool.pk]
    )
    assert "password on the first page" in owner_client.get(page).content.decode()
    response = owner_client.post(
        page,
        {
            "password_enabled": "on",
            "password_on_first_page": "on",
            "passkey_enabled": "on",
            "preferred_method": "password",
            "second_factor": "optional",
            "mfa_totp": "on",
            "remember_device_days": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert SignInPolicy.objects.get(pool=pool).password_on_first_page
    event = AuditEvent.objects.get(action="pool.sign_in_methods_changed")
    assert event.details["changes"]["password_on_first_page"] == [False, True]
