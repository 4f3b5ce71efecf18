"""Authenticator apps (TOTP) of pool users: set up on the account page (a QR code
and the key as text, kept in the hosted session until a first code confirms
it), checked once per code (no replay, even by two requests at once), slowed
down after wrong codes, removed only with a proof, and asked for at sign-in."""

from __future__ import annotations

import base64
import re
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP

from accounts.authenticators.recovery.services import recovery_codes_generate
from accounts.authenticators.totp import services as totp_module
from accounts.authenticators.totp.services import totp_new_key, totp_verify
from accounts.flows import security
from accounts.models import Passkey, RecoveryCode, TotpDevice
from core.models import AuditEvent
from identity_pools.models import SignInPolicy
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"


def code_at(key: str, when: float | None = None) -> str:
    """The app's code for ``key`` at ``when`` (now by default)."""
    totp = TOTP(bytes.fromhex(key), 30, 0, 6, 0)
    totp.time = time.time() if when is None else when
    return f"{totp.token():06d}"


def signed_in(pool, identifier="ann@example.com", password=GOOD) -> Client:
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": identifier})
    response = client.post(url(pool, "sign_in_password"), {"password": password})
    assert response["Location"] == url(pool, "account")
    return client


def key_on_page(response) -> str:
    """The key the page shows as text, back in hex."""
    text = re.search(r'id="totp-key">([A-Z2-7 ]+)<', response.content.decode())
    raw = text.group(1).replace(" ", "")
    return base64.b32decode(raw + "=" * (-len(raw) % 8)).hex()


def form_codes(response, field=None):
    form = response.context["form"]
    errors = form.non_field_errors() if field is None else form.errors.get(field)
    return [e.code for e in errors.as_data()] if errors else []


def with_app(user) -> str:
    key = totp_new_key()
    TotpDevice.objects.create(user=user, key=key)
    return key


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, name="Shop")


# --- set-up on the account page ---------------------------------------------------


def test_setup_shows_a_qr_code_and_the_key_and_keeps_the_key(pool, ann):
    client = signed_in(pool)
    account = client.get(url(pool, "account")).content.decode()
    assert "Set up an authenticator app" in account
    page = client.get(url(pool, "account_totp"))
    svg = re.search(
        r'<div class="qr"[^>]*>(<svg.*?</svg>)</div>', page.content.decode()
    )
    assert svg and "<script" not in svg.group(1) and "style=" not in svg.group(1)
    assert "no-store" in page["Cache-Control"]
    key = key_on_page(page)
    assert len(key) == 40
    assert key_on_page(client.get(url(pool, "account_totp"))) == key  # a reload
    assert not TotpDevice.objects.exists()  # nothing saved before the first code


def test_confirm_with_a_first_code_sets_the_app_up_with_recovery_codes(pool, ann):
    client = signed_in(pool)
    key = key_on_page(client.get(url(pool, "account_totp")))
    response = client.post(url(pool, "account_totp"), {"code": code_at(key)})
    assert response.status_code == 200
    shown = re.findall(
        r'<code class="secret">([a-z0-9-]+)</code>', response.content.decode()
    )
    assert len(shown) == 10 and RecoveryCode.objects.filter(user=ann).count() == 10
    assert "no-store" in response["Cache-Control"]
    assert TotpDevice.objects.get(user=ann).key == key
    events = AuditEvent.objects.filter(target_id=str(ann.pk), actor_id=str(ann.pk))
    assert {"pool_user.totp_added", "pool_user.recovery_codes_generated"} <= set(
        events.values_list("action", flat=True)
    )
    account = client.get(url(pool, "account")).content.decode()
    assert "Remove the authenticator app" in account
    assert "10 recovery codes left" in account
    assert client.get(url(pool, "account_totp"))["Location"] == url(pool, "account")


def test_the_first_code_is_used_up_by_the_set_up(pool, ann):
    client = signed_in(pool)
    key = key_on_page(client.get(url(pool, "account_totp")))
    code = code_at(key)
    client.post(url(pool, "account_totp"), {"code": code})
    with pytest.raises(ValidationError) as caught:
        totp_verify(user=ann, code=code)
    assert caught.value.code == "totp_code_invalid"


@pytest.mark.parametrize("wrong", ["000000", "12345", "abcdef", " ", "1" * 16])
def test_a_wrong_first_code_is_refused(pool, ann, wrong):
    client = signed_in(pool)
    key = key_on_page(client.get(url(pool, "account_totp")))
    if wrong == code_at(key):
        wrong = "111111"
    response = client.post(url(pool, "account_totp"), {"code": wrong})
    assert response.status_code == 200
    assert form_codes(response) + form_codes(response, "code")
    assert not TotpDevice.objects.exists()
    assert key_on_page(response) == key  # the same key: try again


def test_the_set_up_key_expires_after_ten_minutes(pool, ann, monkeypatch):
    client = signed_in(pool)
    key = key_on_page(client.get(url(pool, "account_totp")))
    monkeypatch.setattr(security, "SETUP_SECONDS", 0)  # ten minutes passed
    response = client.post(url(pool, "account_totp"), {"code": code_at(key)})
    assert form_codes(response) == ["totp_setup_expired"]
    assert not TotpDevice.objects.exists()
    assert key_on_page(response) != key  # a new key to add


def test_an_app_to_sign_in_with_alone_comes_without_recovery_codes(pool, ann):
    SignInPolicy.objects.create(pool=pool, second_factor="off", totp_enabled=True)
    client = signed_in(pool)
    key = key_on_page(client.get(url(pool, "account_totp")))
    done = client.post(url(pool, "account_totp"), {"code": code_at(key)})
    assert done["Location"] == url(pool, "account")
    assert TotpDevice.objects.filter(user=ann).exists()
    assert not RecoveryCode.objects.exists()
    page = client.get(url(pool, "account")).content.decode()
    assert "Your authenticator app is set up" in page


def test_an_app_is_offered_only_where_the_pool_uses_it(pool, ann):
    SignInPolicy.objects.create(pool=pool, mfa_totp=False, totp_enabled=False)
    client = signed_in(pool)
    assert "authenticator app" not in client.get(url(pool, "account")).content.decode()
    assert client.get(url(pool, "account_totp")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, pool, ann):
    for name in ("account_totp", "account_totp_remove", "account_profile"):
        assert client.get(url(pool, name))["Location"] == url(pool, "sign_in")
        assert client.post(url(pool, name), {"code": "123456"})["Location"] == url(
            pool, "sign_in"
        )


# --- verification: replay, throttling, concurrency ----------------------------------


def test_a_replayed_code_is_refused_and_wrong_codes_are_throttled(ann):
    key = with_app(ann)
    now = time.time()
    totp_verify(user=ann, code=code_at(key, now))
    with pytest.raises(ValidationError) as replay:
        totp_verify(user=ann, code=code_at(key, now))
    assert replay.value.code == "totp_code_invalid"
    # Three more wrong codes (the first three are free) earn a pause: even the
    # next good code waits for it.
    for _ in range(3):
        with pytest.raises(ValidationError):
            totp_verify(user=ann, code=code_at(key, now))
    with pytest.raises(ValidationError) as slow:
        totp_verify(user=ann, code=code_at(key, now + 30))
    assert slow.value.code == "totp_throttled"
    assert "Wait" in slow.value.messages[0]
    TotpDevice.objects.update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    totp_verify(user=ann, code=code_at(key, now + 30))  # the next step: accepted
    device = TotpDevice.objects.get(user=ann)
    assert device.throttling_failure_count == 0 and device.last_used_at is not None
    with pytest.raises(ValidationError):
        totp_verify(user=ann, code=code_at(key, now))  # an earlier step: refused


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_verifications_of_one_code_cannot_both_pass(
    pool, ann, monkeypatch
):
    key = with_app(ann)
    code = code_at(key)
    checking = totp_module._check

    def slow_check(*args, **kwargs):
        # Hold the row lock a while, so the other request waits on it.
        time.sleep(0.3)
        return checking(*args, **kwargs)

    monkeypatch.setattr(totp_module, "_check", slow_check)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def verify():
        barrier.wait()
        try:
            totp_verify(user=ann, code=code)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["ok", "totp_code_invalid"]


# --- removal ---------------------------------------------------------------------


def test_removal_needs_a_current_code(pool, ann):
    client = signed_in(pool)
    key = with_app(ann)
    recovery_codes_generate(user=ann)
    page = client.get(url(pool, "account_totp_remove"))
    assert "enter the 6-digit code" in page.content.decode()
    assert form_codes(client.post(url(pool, "account_totp_remove"), {}), "code") == [
        "required"
    ]
    wrong = "000000" if code_at(key) != "000000" else "111111"
    refused = client.post(url(pool, "account_totp_remove"), {"code": wrong})
    assert form_codes(refused, "code") == ["totp_code_invalid"]
    assert TotpDevice.objects.filter(user=ann).exists()
    assert AuditEvent.objects.filter(action="pool_user.totp_remove_failed").exists()
    TotpDevice.objects.update(throttling_failure_timestamp=None)
    done = client.post(url(pool, "account_totp_remove"), {"code": code_at(key)})
    assert done["Location"] == url(pool, "account")
    assert not TotpDevice.objects.filter(user=ann).exists()
    assert not RecoveryCode.objects.filter(user=ann).exists()  # useless without it
    event = AuditEvent.objects.get(action="pool_user.totp_removed")
    assert (event.actor_id, event.details["proof"]) == (str(ann.pk), "totp")


def test_a_lost_app_is_removed_with_a_recovery_code(pool, ann):
    client = signed_in(pool)
    with_app(ann)
    codes = recovery_codes_generate(user=ann)
    done = client.post(url(pool, "account_totp_remove"), {"code": codes[3]})
    assert done["Location"] == url(pool, "account")
    assert not TotpDevice.objects.filter(user=ann).exists()
    assert AuditEvent.objects.get(action="pool_user.totp_removed").details == {
        "proof": "recovery_code",
        "recovery_codes_removed": True,
    }


def test_the_only_second_factor_stays_while_the_pool_requires_one(pool, ann):
    SignInPolicy.objects.create(pool=pool, second_factor="required")
    key = with_app(ann)
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    client.post(url(pool, "sign_in_password"), {"password": GOOD})
    client.post(url(pool, "sign_in_second"), {"code": code_at(key, time.time() - 30)})
    assert client.get(url(pool, "account")).status_code == 200
    refused = client.post(url(pool, "account_totp_remove"), {"code": code_at(key)})
    assert form_codes(refused) == ["totp_last_factor"]
    assert "Set up another one first" in refused.content.decode()
    assert TotpDevice.objects.filter(user=ann).exists()
    Passkey.objects.create(
        user=ann,
        name="Laptop",
        credential_id="abc",
        public_key=b"k",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    done = client.post(url(pool, "account_totp_remove"), {"code": code_at(key)})
    assert done["Location"] == url(pool, "account")
    assert not TotpDevice.objects.filter(user=ann).exists()


# --- the app as a second factor at sign-in -------------------------------------------


def test_the_app_as_second_factor_at_sign_in(pool, ann):
    key = with_app(ann)  # the pool's default: second factor "optional"
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "sign_in_second")
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    page = client.get(url(pool, "sign_in_second")).content.decode()
    assert "authenticator app" in page
    wrong = "000000" if code_at(key) != "000000" else "111111"
    refused = client.post(url(pool, "sign_in_second"), {"code": wrong})
    assert form_codes(refused) == ["totp_code_invalid"]
    TotpDevice.objects.update(throttling_failure_timestamp=None)
    done = client.post(url(pool, "sign_in_second"), {"code": code_at(key)})
    assert done["Location"] == url(pool, "account")
    assert client.get(url(pool, "account")).status_code == 200
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert event.details == {"method": "password+totp"}
