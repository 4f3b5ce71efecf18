"""Settings → Sign-in (the pool's brute-force blocks and self-service reset) and
the operator's "Send password reset" on the user page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.authenticators.passwords.services import password_set
from accounts.models import SignInLock
from core.models import AuditEvent
from identity_pools.models import Identifier, SignInPolicy
from tests.conftest import hosted_url as hosted
from tests.identity_pools.conftest import GOOD_PASSWORD, form_errors
from workspaces.models import Role

pytestmark = pytest.mark.django_db

POLICY = {
    "lockout_failures": 3,
    "lockout_first_seconds": 120,
    "lockout_max_seconds": 3600,
    "self_service_reset": "",
}


def sign_in(client, pool, identifier, password):
    client.post(hosted(pool, "sign_in"), {"identifier": identifier})
    return client.post(hosted(pool, "sign_in_password"), {"password": password})


def test_sign_in_settings_change_the_block_and_switch_reset_off(
    owner_client, url, pool, pool_user
):
    page = url("pool_sign_in_policy")
    assert "Save sign-in settings" in owner_client.get(page).content.decode()
    too_few = owner_client.post(page, POLICY | {"lockout_failures": 2})
    assert set(form_errors(too_few)) == {"lockout_failures"}
    shorter = owner_client.post(page, POLICY | {"lockout_max_seconds": 60})
    assert form_errors(shorter, "lockout_max_seconds") == ["lockout_order"]
    assert not SignInPolicy.objects.exists()

    assert owner_client.post(page, POLICY).status_code == 302
    policy = SignInPolicy.objects.get(pool=pool)
    assert (policy.lockout_failures, policy.self_service_reset) == (3, False)
    assert AuditEvent.objects.filter(action="pool.sign_in_policy_changed").exists()
    settings_page = owner_client.get(url("pool_settings")).content.decode()
    assert "Forgot password page" in settings_page
    assert "closed: self-service reset is off" in settings_page

    password_set(user=pool_user, raw_password=GOOD_PASSWORD)
    visitor = Client()
    for _ in range(3):
        sign_in(visitor, pool, "ann@example.com", "a wrong password here")
    assert SignInLock.objects.filter(pool=pool).exists()
    assert visitor.get(hosted(pool, "reset_start")).status_code == 404


def test_viewers_see_but_cannot_change_sign_in_settings(
    client, url, workspace, member_of
):
    client.force_login(member_of(workspace, Role.VIEWER))
    page = url("pool_sign_in_policy")
    assert "Save sign-in settings" not in client.get(page).content.decode()
    assert client.post(page, POLICY).status_code == 403
    assert not SignInPolicy.objects.exists()


def test_operator_sends_a_password_reset(
    owner_client, url, pool, pool_user, mailoutbox, django_capture_on_commit_callbacks
):
    action = url("accounts:pool_user_send_password_reset", pool_user.pk)
    refused = owner_client.post(action, follow=True)
    assert "Mark one verified first" in refused.content.decode()
    assert not mailoutbox

    Identifier.objects.filter(user=pool_user).update(is_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        sent = owner_client.post(action, follow=True)
    assert "A password reset code was sent" in sent.content.decode()
    assert mailoutbox[-1].to == ["ann@example.com"]
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)

    done = Client().post(
        hosted(pool, "reset_finish"),
        {
            "identifier": "ann@example.com",
            "code": code,
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    assert done["Location"] == hosted(pool, "sign_in")
    assert sign_in(Client(), pool, "ann@example.com", GOOD_PASSWORD)[
        "Location"
    ] == hosted(pool, "account")
    assert AuditEvent.objects.filter(action="pool_user.password_reset_sent").exists()


def test_users_may_be_let_delete_their_accounts(owner_client, url, pool):
    page = url("pool_sign_in_policy")
    assert "Users can delete their account" in owner_client.get(page).content.decode()
    assert (
        owner_client.post(page, POLICY | {"self_service_delete": "on"}).status_code
        == 302
    )
    assert SignInPolicy.objects.get(pool=pool).self_service_delete
    event = AuditEvent.objects.get(action="pool.sign_in_policy_changed")
    assert event.details["changes"]["self_service_delete"] == [False, True]
