"""The user page's sign-up tools: invitation state (pending, expiry, failed send),
activating a "new" user with confirmation, setting or resetting a password under
the pool's policy, marking an identifier verified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Code
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier, PoolUser
from identity_pools.services import users
from tests.identity_pools.conftest import ANN, GOOD_PASSWORD, form_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(pool, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="bo@example.com",
            user_data=ANN,
            mode="invite",
        )


def test_user_page_shows_the_invitation_state(owner_client, url, invited):
    page = owner_client.get(url("pool_user_detail", invited.pk)).content.decode()
    assert "Pending, expires" in page
    Code.objects.update(send_failed_at=timezone.now())
    page = owner_client.get(url("pool_user_detail", invited.pk)).content.decode()
    assert "could not be sent" in page
    Code.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert (
        "Expired on"
        in owner_client.get(url("pool_user_detail", invited.pk)).content.decode()
    )


def test_activating_a_new_user_asks_first(owner_client, url, invited):
    confirm = owner_client.get(url("pool_user_activate", invited.pk))
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "bo@example.com" in html and "no password yet" in html
    assert PoolUser.objects.get(pk=invited.pk).status == "new"
    owner_client.post(url("pool_user_activate", invited.pk))
    assert PoolUser.objects.get(pk=invited.pk).status == "active"


def test_operator_sets_and_resets_a_password(owner_client, url, invited):
    weak = owner_client.post(
        url("accounts:pool_user_password", invited.pk),
        {"password1": "short", "password2": "short"},
    )
    assert form_errors(weak, "password1", form="password_form") == [
        "password_too_short"
    ]
    assert not PasswordCredential.objects.filter(user=invited).exists()
    owner_client.post(
        url("accounts:pool_user_password", invited.pk),
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, "must_change": "on"},
    )
    credential = PasswordCredential.objects.get(user=invited)
    assert credential.state == "must_change"
    owner_client.post(
        url("accounts:pool_user_password", invited.pk),
        {"password1": GOOD_PASSWORD + "!", "password2": GOOD_PASSWORD + "!"},
    )
    assert PasswordCredential.objects.get(user=invited).state == "valid"
    assert AuditEvent.objects.filter(action="pool_user.password_set").count() == 2


def test_operator_marks_an_identifier_verified(owner_client, url, invited):
    identifier = Identifier.objects.get(user=invited)
    assert not identifier.is_verified
    owner_client.post(url("pool_user_identifier_verify", invited.pk, identifier.pk))
    identifier.refresh_from_db()
    assert identifier.is_verified and identifier.verified_at
    assert AuditEvent.objects.filter(
        action="pool_user.identifier_verified", details__by="operator"
    ).exists()
