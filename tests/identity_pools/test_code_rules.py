"""Settings → Verification codes: the pool's rules per purpose are what codes are
issued and checked with."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Code
from core.models import AuditEvent
from identity_pools.models import CodePolicy
from identity_pools.services import users
from tests.identity_pools.conftest import ANN, form_errors

pytestmark = pytest.mark.django_db

PURPOSES = ("verify_identifier", "password_reset", "sign_in", "passkey_enrolment")


def rules_form(**changes):
    data = {"invitation__lifetime": 7, "invitation__resend_seconds": 60}
    for purpose in PURPOSES:
        data |= {
            f"{purpose}__length": 6,
            f"{purpose}__lifetime": 10,
            f"{purpose}__max_attempts": 5,
            f"{purpose}__resend_seconds": 60,
        }
    return {**data, **changes}


def test_settings_screen_saves_every_purpose(owner_client, url, pool):
    page = url("pool_code_rules")
    assert owner_client.get(page).status_code == 200
    bad = owner_client.post(
        page, rules_form(sign_in__length=5, invitation__lifetime=31)
    )
    errors = form_errors(bad)
    assert "sign_in__length" in errors and "invitation__lifetime" in errors
    assert not CodePolicy.objects.exists()
    owner_client.post(
        page,
        rules_form(
            verify_identifier__length=8,
            verify_identifier__lifetime=15,
            verify_identifier__max_attempts=3,
            verify_identifier__resend_seconds=120,
            invitation__lifetime=3,
        ),
    )
    verify = CodePolicy.objects.get(pool=pool, purpose="verify_identifier")
    assert (verify.length, verify.lifetime_seconds, verify.max_attempts) == (8, 900, 3)
    assert CodePolicy.objects.get(pool=pool, purpose="invitation").lifetime_seconds == (
        3 * 24 * 3600
    )
    assert AuditEvent.objects.filter(action="pool.code_rules_changed").exists()


def test_invitations_follow_the_pools_lifetime(pool, owner, mailoutbox, time_passes):
    CodePolicy.objects.create(
        pool=pool,
        purpose="invitation",
        lifetime_seconds=2 * 24 * 3600,
        resend_seconds=300,
    )
    user = users.pool_user_create(
        pool=pool,
        actor=owner,
        identifier="bo@example.com",
        user_data=ANN,
        mode="invite",
    )
    code = Code.objects.get(user=user)
    assert abs(code.expires_at - (timezone.now() + timedelta(days=2))) < timedelta(
        minutes=1
    )
    time_passes(61)  # past the per-recipient minute, not past the pool's 300 s
    with pytest.raises(Exception) as info:
        users.pool_user_invitation_resend(user=user, actor=owner)
    assert "Wait" in str(info.value)


def test_sign_up_codes_follow_the_pools_rules(
    client, workspace, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import IdentityPoolFactory

    pool = IdentityPoolFactory(workspace=workspace, self_registration_enabled=True)
    CodePolicy.objects.create(
        pool=pool,
        purpose="verify_identifier",
        length=8,
        lifetime_seconds=600,
        max_attempts=2,
        resend_seconds=60,
    )
    args = [workspace.slug, pool.pk]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/w/{args[0]}/pools/{args[1]}/signup/",
            {
                "identifier": "nia@example.com",
                "data_given_name": "Nia",
                "data_family_name": "Okafor",
                "data_name": "Nia Okafor",
                "password1": "a long enough passphrase for 2026",
                "password2": "a long enough passphrase for 2026",
            },
        )
    code = re.search(r"\b(\d{8})\b", mailoutbox[0].body).group(1)
    verify = f"/w/{args[0]}/pools/{args[1]}/signup/verify/"
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    client.post(verify, {"code": wrong})
    client.post(verify, {"code": wrong})
    assert client.post(verify, {"code": code}).status_code == 200  # dead after 2
