"""A signed-in end user changes their password on the account page: the current
one first (wrong ones count towards the sign-in block), the pool's policy,
other sessions ended, a notice sent."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from accounts.models import SignInLock
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier
from tests.conftest import hosted_url as url

pytestmark = pytest.mark.django_db

OLD = "a long enough passphrase for 2026"
NEW = "another long passphrase for 2027"


@pytest.fixture
def ann(ann):
    """tests/conftest.py's Ann, her address verified; her password (GOOD there)
    is this module's OLD."""
    Identifier.objects.filter(user=ann).update(is_verified=True)
    return ann


def signed_in(pool, password=OLD):
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": password})
    assert response["Location"] == url(pool, "account")
    return client


def change(client, pool, current, new=NEW, again=None):
    return client.post(
        url(pool, "account_password"),
        {"current_password": current, "password1": new, "password2": again or new},
    )


def codes(response, field):
    return [e.code for e in response.context["form"].errors.as_data().get(field, [])]


def test_change_password_ends_other_sessions_and_sends_a_notice(
    pool, ann, mailoutbox, django_capture_on_commit_callbacks
):
    here, elsewhere = signed_in(pool), signed_in(pool)
    assert "Change your password" in here.get(url(pool, "account")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = change(here, pool, OLD)
    assert response["Location"] == url(pool, "account")
    assert check_password(NEW, PasswordCredential.objects.get(user=ann).password)
    assert here.get(url(pool, "account")).status_code == 200
    assert elsewhere.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    assert mailoutbox[-1].to == ["ann@example.com"]
    assert "was just changed" in mailoutbox[-1].body
    assert AuditEvent.objects.filter(
        action="pool_user.password_changed", details__at="account"
    ).exists()
    signed_in(pool, NEW)


def test_wrong_current_password_counts_towards_the_block(pool, ann):
    client = signed_in(pool)
    for _ in range(5):
        assert codes(
            change(client, pool, "not my password at all"), "current_password"
        ) == ["password_incorrect"]
    assert SignInLock.objects.filter(pool=pool, blocked_until__isnull=False).exists()
    blocked = change(client, pool, OLD)
    assert codes(blocked, "current_password") == ["sign_in_blocked"]
    assert check_password(OLD, PasswordCredential.objects.get(user=ann).password)
    assert (
        AuditEvent.objects.filter(action="pool_user.password_change_failed").count()
        == 5
    )


def test_new_password_must_match_and_follow_the_policy(pool, ann):
    client = signed_in(pool)
    assert codes(change(client, pool, OLD, again=NEW + "x"), "password2") == [
        "password_mismatch"
    ]
    assert codes(change(client, pool, OLD, new="short"), "password1")
    reused = change(client, pool, OLD, new=OLD)
    assert codes(reused, "password1") == ["password_unchanged"]
    assert check_password(OLD, PasswordCredential.objects.get(user=ann).password)


def test_signed_out_visitors_are_sent_to_sign_in(client, pool, ann):
    assert client.get(url(pool, "account_password"))["Location"] == url(pool, "sign_in")
    assert change(client, pool, OLD)["Location"] == url(pool, "sign_in")
    assert check_password(OLD, PasswordCredential.objects.get(user=ann).password)


def test_must_change_step_refuses_two_different_entries(pool, ann):
    PasswordCredential.objects.filter(user=ann).update(state="must_change")
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    client.post(url(pool, "sign_in_password"), {"password": OLD})
    response = client.post(
        url(pool, "sign_in_change_password"),
        {"password1": NEW, "password2": NEW + "x"},
    )
    assert codes(response, "password2") == ["password_mismatch"]
    assert check_password(OLD, PasswordCredential.objects.get(user=ann).password)
