"""The user page's authenticators: the operator sees the app, passkeys and
recovery codes, and removes a lost app or passkey."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.authenticators.recovery.services import recovery_codes_generate
from accounts.models import Passkey, RememberedDevice, TotpDevice
from core.models import AuditEvent
from tests.factories import PoolUserFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def equipped(pool_user):
    TotpDevice.objects.create(user=pool_user, key="00" * 20)
    passkey = Passkey.objects.create(
        user=pool_user,
        name="Work laptop",
        credential_id="cred-1",
        public_key=b"k",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    recovery_codes_generate(user=pool_user)
    RememberedDevice.objects.create(
        user=pool_user, token_hash="x" * 64, expires_at=timezone.now() + timedelta(1)
    )
    return passkey


def test_the_user_page_lists_authenticators(owner_client, url, pool_user, equipped):
    page = owner_client.get(url("pool_user_detail", pool_user.pk)).content.decode()
    assert "Authenticator app" in page
    assert "Passkey “Work laptop”" in page
    assert "10 recovery codes left" in page


def test_operator_removes_the_app_and_a_passkey(owner_client, url, pool_user, equipped):
    response = owner_client.post(url("accounts:pool_user_remove_totp", pool_user.pk))
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=pool_user).exists()
    assert not RememberedDevice.objects.filter(user=pool_user).exists()
    owner_client.post(
        url("accounts:pool_user_remove_passkey", pool_user.pk, equipped.pk)
    )
    assert not Passkey.objects.filter(user=pool_user).exists()
    kinds = [
        e.details["kind"]
        for e in AuditEvent.objects.filter(
            action="pool_user.authenticator_removed"
        ).order_by("id")
    ]
    assert kinds == ["totp", "passkey"]
    # nothing left to remove: 404, not a second event
    again = owner_client.post(url("accounts:pool_user_remove_totp", pool_user.pk))
    assert again.status_code == 404


def test_a_passkey_of_another_user_is_404(owner_client, url, pool, pool_user, equipped):
    other = PoolUserFactory(pool=pool)
    response = owner_client.post(
        url("accounts:pool_user_remove_passkey", other.pk, equipped.pk)
    )
    assert response.status_code == 404
    assert Passkey.objects.filter(pk=equipped.pk).exists()


def test_viewers_cannot_remove_authenticators(
    client, url, workspace, member_of, pool_user, equipped
):
    client.force_login(member_of(workspace, Role.VIEWER))
    page = client.get(url("pool_user_detail", pool_user.pk)).content.decode()
    assert "Work laptop" in page and "Remove</button>" not in page
    assert (
        client.post(url("accounts:pool_user_remove_totp", pool_user.pk)).status_code
        == 403
    )
    assert TotpDevice.objects.filter(user=pool_user).exists()
