"""Recovery codes: ten, each good for one sign-in when the app or passkey is out
of reach, stored as keyed hashes, shown once; making new ones on the account
page invalidates the old."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.authenticators.passwords.services import password_set
from accounts.authenticators.recovery.services import recovery_codes_generate
from accounts.authenticators.totp.services import totp_new_key
from accounts.flows.mfa import sign_in_second
from accounts.models import RecoveryCode, SignInLock, TotpDevice
from core.models import AuditEvent
from tests.conftest import hosted_url as url
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"


def shown_codes(response) -> list[str]:
    return re.findall(
        r'<code class="secret">([a-z0-9-]+)</code>', response.content.decode()
    )


def at_second_factor(pool) -> Client:
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "sign_in_second")
    return client


def with_recovery_code(pool, code) -> Client:
    """A client signed in with the password and the recovery code ``code``."""
    client = at_second_factor(pool)
    done = client.post(f"{url(pool, 'sign_in_second')}?method=recovery", {"code": code})
    assert done["Location"] == url(pool, "account")
    return client


@pytest.fixture
def ann(pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    TotpDevice.objects.create(user=user, key=totp_new_key())
    return user


def test_ten_codes_each_work_once(pool, ann):
    codes = recovery_codes_generate(user=ann)
    assert len(codes) == 10 and len(set(codes)) == 10
    # One through the pages (typed in capitals, without the dash)…
    client = with_recovery_code(pool, codes[0].upper().replace("-", ""))
    assert "9 recovery codes left" in client.get(url(pool, "account")).content.decode()
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert event.details == {"method": "password+recovery"}
    assert AuditEvent.objects.filter(action="pool_user.recovery_code_used").exists()
    # …the others through the service; none works twice.
    options = ["totp", "recovery"]
    state = {"identifier": "ann@example.com", "attempt": "a" * 32}
    check = {"pool": pool, "user": ann, "state": state, "options": options, "ip": None}
    for code in codes[1:]:
        sign_in_second(method="recovery", code=code, **check)
    for code in codes:
        SignInLock.objects.all().delete()  # failures block; not the point here
        with pytest.raises(ValidationError) as used:
            sign_in_second(method="recovery", code=code, **check)
        assert used.value.code == "recovery_code_invalid"
    assert not RecoveryCode.objects.filter(user=ann, used_at__isnull=True).exists()


def test_the_recovery_option_needs_unused_codes(pool, ann):
    client = at_second_factor(pool)
    page = client.get(url(pool, "sign_in_second")).content.decode()
    assert "Use a recovery code" not in page
    recovery_codes_generate(user=ann)
    page = client.get(url(pool, "sign_in_second")).content.decode()
    assert "Use a recovery code" in page


def test_codes_are_stored_as_hashes_only(ann):
    codes = recovery_codes_generate(user=ann)
    stored = list(RecoveryCode.objects.filter(user=ann).values_list("code_hash"))
    assert len(stored) == 10
    text = " ".join(h for (h,) in stored)
    for code in codes:
        assert code not in text and code.replace("-", "") not in text
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for (h,) in stored)


def test_making_new_codes_invalidates_the_old(pool, ann):
    old = recovery_codes_generate(user=ann)
    client = with_recovery_code(pool, old[0])
    account = client.get(url(pool, "account")).content.decode()
    assert "Make new recovery codes" in account
    confirm = client.get(url(pool, "account_recovery_codes"))
    assert "You have 9 unused recovery codes" in confirm.content.decode()
    assert shown_codes(confirm) == []
    response = client.post(url(pool, "account_recovery_codes"))
    new = shown_codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert "no-store" in response["Cache-Control"]
    assert "not shown again" in response.content.decode()
    event = AuditEvent.objects.get(action="pool_user.recovery_codes_generated")
    assert (event.actor_id, event.details) == (str(ann.pk), {"at": "account"})
    # Shown once: the page shows no codes again.
    assert shown_codes(client.get(url(pool, "account_recovery_codes"))) == []
    client.post(url(pool, "signout"))
    refused = at_second_factor(pool).post(
        f"{url(pool, 'sign_in_second')}?method=recovery", {"code": old[1]}
    )
    assert [e.code for e in refused.context["form"].non_field_errors().as_data()] == [
        "recovery_code_invalid"
    ]
    with_recovery_code(pool, new[1])


def test_no_codes_without_an_app_or_a_passkey(pool, ann):
    client = with_recovery_code(pool, recovery_codes_generate(user=ann)[0])
    TotpDevice.objects.filter(user=ann).delete()
    page = client.get(url(pool, "account")).content.decode()
    # No recovery-codes section (the sessions list still says how she signed in).
    assert "<h3>Recovery codes</h3>" not in page
    assert "Make new recovery codes" not in page
    assert client.get(url(pool, "account_recovery_codes"))["Location"] == url(
        pool, "account"
    )
    assert client.post(url(pool, "account_recovery_codes"))["Location"] == url(
        pool, "account"
    )
    assert not AuditEvent.objects.filter(
        action="pool_user.recovery_codes_generated"
    ).exists()


def test_making_codes_needs_the_csrf_token(pool, ann):
    signed = with_recovery_code(pool, recovery_codes_generate(user=ann)[0])
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = signed.cookies
    assert strict.post(url(pool, "account_recovery_codes")).status_code == 403
    assert RecoveryCode.objects.filter(user=ann, used_at__isnull=True).count() == 9
