"""Sign-in methods: the pool's settings, sign-in codes by email and SMS as the
first factor (bound to their attempt, enumeration-safe), the authenticator app
as the first factor, a code as the second factor, "remember this device"."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.authenticators.passwords.services import password_set
from accounts.authenticators.totp.services import totp_confirm, totp_new_key
from accounts.models import Code, RememberedDevice, SignInLock
from core.models import AuditEvent
from identity_pools.models import Identifier, SignInPolicy
from tests.conftest import hosted_url as url
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """``with sending():`` runs the messages a request sends (they leave once its
    transaction commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


GOOD = "a long enough passphrase for 2026"


@pytest.fixture
def ann(ann):
    """tests/conftest.py's Ann (password GOOD), her address verified."""
    Identifier.objects.filter(user=ann).update(is_verified=True)
    return ann


def policy(pool, **values):
    row, _ = SignInPolicy.objects.update_or_create(pool=pool, defaults=values)
    return row


def last_code():
    return re.search(r"\b(\d{6,10})\b", mail.outbox[-1].body).group(1)


def signed_in(client, pool, user):
    page = client.get(url(pool, "account"))
    return page.status_code == 200 and user.display_name in page.content.decode()


# --- settings ---------------------------------------------------------------------

METHODS = {
    "password_enabled": "on",
    "email_code_enabled": "on",
    "passkey_enabled": "on",
    "preferred_method": "email_code",
    "second_factor": "required",
    "mfa_totp": "on",
    "mfa_passkey": "on",
    "remember_device_days": "30",
}


def test_sign_in_methods_settings_save_and_refuse_contradictions(
    owner_client, workspace, pool
):
    page = reverse(
        "identity_pools:pool_sign_in_methods", args=[workspace.slug, pool.pk]
    )
    body = owner_client.get(page).content.decode()
    assert "Save sign-in methods" in body and "Authenticator app" in body

    def codes(response):
        form = response.context["form"]
        return [e.code for errs in form.errors.as_data().values() for e in errs]

    nothing = {k: v for k, v in METHODS.items() if not k.endswith("_enabled")}
    assert codes(owner_client.post(page, nothing)) == ["sign_in_methods_none"]
    off = METHODS | {"preferred_method": "totp"}
    assert codes(owner_client.post(page, off)) == ["sign_in_preferred_off"]
    no_second = {k: v for k, v in METHODS.items() if not k.startswith("mfa_")}
    assert codes(owner_client.post(page, no_second)) == ["second_factor_methods_none"]
    assert codes(owner_client.post(page, METHODS | {"remember_device_days": "999"}))
    assert not SignInPolicy.objects.exists()

    assert owner_client.post(page, METHODS).status_code == 302
    saved = SignInPolicy.objects.get(pool=pool)
    assert saved.first_factors() == ["email_code", "password", "passkey"]
    assert saved.second_factors() == ["totp", "passkey"]
    assert saved.remember_device_days == 30
    event = AuditEvent.objects.get(action="pool.sign_in_methods_changed")
    assert event.details["changes"]["second_factor"] == ["optional", "required"]


def test_sign_in_code_lifetime_is_at_most_ten_minutes(owner_client, workspace, pool):
    page = reverse("identity_pools:pool_code_rules", args=[workspace.slug, pool.pk])
    form = owner_client.get(page).context["form"]
    assert form.fields["sign_in__lifetime"].max_value == 10
    assert form.fields["password_reset__lifetime"].max_value > 10


# --- codes as the first factor ------------------------------------------------------


def test_email_code_sign_in_is_the_preferred_method(
    client, pool, ann, mailoutbox, sending
):
    policy(pool, email_code_enabled=True, preferred_method="email_code")
    with sending():
        response = client.post(url(pool, "sign_in"), {"identifier": "Ann@Example.com"})
    assert response["Content-Location"] == url(pool, "sign_in_code")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ann@example.com"]
    page = client.get(url(pool, "sign_in_code")).content.decode()
    assert "a code is on its way" in page and "Use your password" in page
    wrong = client.post(url(pool, "sign_in_code"), {"code": "000000"})
    assert [e.code for e in wrong.context["form"].non_field_errors().as_data()] == [
        "code_invalid"
    ]
    response = client.post(url(pool, "sign_in_code"), {"code": last_code()})
    assert response["Location"] == url(pool, "account")
    assert signed_in(client, pool, ann)
    event = AuditEvent.objects.filter(action="pool_user.signed_in").get()
    assert event.details == {"method": "email_code"}


def test_a_sign_in_code_works_once_and_only_for_its_attempt(client, pool, ann, sending):
    policy(pool, email_code_enabled=True, preferred_method="email_code")
    with sending():
        client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    code = last_code()
    other = Client()
    other.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    # The second browser's attempt got no code (too soon after the first, and
    # silent about it); the first browser's code is not valid for it.
    refused = other.post(url(pool, "sign_in_code"), {"code": code})
    assert refused.status_code == 200 and not signed_in(other, pool, ann)
    assert client.post(url(pool, "sign_in_code"), {"code": code}).status_code == 302
    client.post(url(pool, "signout"))
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    assert client.post(url(pool, "sign_in_code"), {"code": code}).status_code == 200
    assert Code.objects.filter(purpose="sign_in", attempt__isnull=True).count() == 0


def test_code_sign_in_says_the_same_for_unknown_and_unverified(
    pool, ann, mailoutbox, sending
):
    policy(pool, email_code_enabled=True, preferred_method="email_code")
    bob = PoolUserFactory(pool=pool, email="bob@example.com")  # not verified
    password_set(user=bob, raw_password=GOOD)
    pages = []
    for identifier in ("nobody@example.com", "bob@example.com", "ann@example.com"):
        visitor = Client()
        with sending():
            response = visitor.post(url(pool, "sign_in"), {"identifier": identifier})
        assert response["Content-Location"] == url(pool, "sign_in_code")
        page = visitor.get(url(pool, "sign_in_code")).content.decode()
        pages.append(re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+", "", page))
        pages[-1] = pages[-1].replace(identifier, "ID")
        failed = visitor.post(url(pool, "sign_in_code"), {"code": "123456"})
        assert failed.status_code == 200
    assert pages[0] == pages[1] == pages[2]
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]
    assert SignInLock.objects.filter(pool=pool).count() == 3


def test_sms_codes_are_offered_for_mobile_numbers_only(client, pool, ann):
    policy(pool, sms_code_enabled=True, preferred_method="sms_code")
    response = client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    assert response["Content-Location"] == url(pool, "sign_in_password")
    assert "Text me a code" not in response.content.decode()
    assert client.get(url(pool, "sign_in_code"))["Location"] == url(pool, "sign_in")


def test_a_pool_with_only_email_codes_refuses_mobile_numbers(client, pool):
    policy(
        pool,
        password_enabled=False,
        passkey_enabled=False,
        email_code_enabled=True,
        preferred_method="email_code",
    )
    response = client.post(url(pool, "sign_in"), {"identifier": "+447911123456"})
    errors = response.context["form"].errors.as_data()["identifier"]
    assert [e.code for e in errors] == ["sign_in_method_unavailable"]


def test_methods_turned_off_are_not_reachable(client, pool, ann):
    policy(pool, password_enabled=False, preferred_method="passkey")
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    assert client.get(url(pool, "sign_in_password"))["Location"] == url(pool, "sign_in")
    refused = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert refused["Location"] == url(pool, "sign_in")
    assert not signed_in(client, pool, ann)


# --- the authenticator app as the first factor ----------------------------------


def test_app_code_sign_in(client, pool, ann):
    policy(pool, totp_enabled=True, preferred_method="totp")
    key = totp_new_key()
    totp_confirm(user=ann, key=key, code=f"{totp(bytes.fromhex(key), drift=-1):06d}")
    response = client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    assert response["Content-Location"] == url(pool, "sign_in_app")
    bad = client.post(url(pool, "sign_in_app"), {"code": "000000"})
    assert bad.status_code == 200
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    # a wrong code slows the next try down (1 s), then the right one passes
    from accounts.models import TotpDevice

    TotpDevice.objects.update(throttling_failure_timestamp=None)
    code = f"{totp(bytes.fromhex(key)):06d}"
    assert client.post(url(pool, "sign_in_app"), {"code": code}).status_code == 302
    assert signed_in(client, pool, ann)
    # an unknown identifier fails with the same message
    visitor = Client()
    visitor.post(url(pool, "sign_in"), {"identifier": "nobody@example.com"})
    unknown = visitor.post(url(pool, "sign_in_app"), {"code": code})
    assert [e.code for e in unknown.context["form"].non_field_errors().as_data()] == [
        "sign_in_failed"
    ]


# --- a code as the second factor; remember this device --------------------------


def test_email_code_as_second_factor_and_remembered_device(client, pool, ann, sending):
    policy(pool, second_factor="required", mfa_email_code=True, remember_device_days=30)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "sign_in_second")
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    page = client.get(url(pool, "sign_in_second")).content.decode()
    assert "Send me a code" in page
    with sending():
        client.post(url(pool, "sign_in_second"), {"action": "send"})
    assert (
        "a***@example.com" in client.get(url(pool, "sign_in_second")).content.decode()
    )
    response = client.post(
        url(pool, "sign_in_second"), {"code": last_code(), "remember": "on"}
    )
    assert response["Location"] == url(pool, "account")
    assert signed_in(client, pool, ann)
    assert RememberedDevice.objects.filter(user=ann).count() == 1
    event = AuditEvent.objects.filter(action="pool_user.signed_in").get()
    assert event.details == {"method": "password+email_code"}

    client.post(url(pool, "signout"))
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    again = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert again["Location"] == url(pool, "account")  # this browser is remembered

    other = Client()
    other.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = other.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "sign_in_second")


def test_a_wrong_second_factor_is_audited_and_counts_towards_the_block(
    client, pool, ann
):
    policy(pool, second_factor="required", mfa_email_code=True, lockout_failures=3)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    client.post(url(pool, "sign_in_password"), {"password": GOOD})
    client.post(url(pool, "sign_in_second"), {"action": "send"})
    for _ in range(3):
        client.post(url(pool, "sign_in_second"), {"code": "000000"})
    failed = AuditEvent.objects.filter(action="pool_user.sign_in_failed")
    assert failed.count() == 3
    assert failed.first().details == {
        "method": "email_code",
        "reason": "bad_second_factor",
    }
    assert SignInLock.objects.get(pool=pool).blocked_until is not None


def test_optional_second_factor_asks_only_users_who_set_one_up(client, pool, ann):
    policy(pool, second_factor="optional", mfa_email_code=True)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "account")
    client.post(url(pool, "signout"))
    key = totp_new_key()
    totp_confirm(user=ann, key=key, code=f"{totp(bytes.fromhex(key), drift=-1):06d}")
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "sign_in_second")
    page = client.get(url(pool, "sign_in_second")).content.decode()
    assert "authenticator app" in page and "Email me a code" in page


def test_second_factor_page_needs_a_passed_first_factor(client, pool, ann):
    policy(pool, second_factor="required", mfa_email_code=True)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    assert client.get(url(pool, "sign_in_second"))["Location"] == url(pool, "sign_in")
    refused = client.post(url(pool, "sign_in_second"), {"code": "123456"})
    assert refused["Location"] == url(pool, "sign_in")


def test_a_blocked_identifier_cannot_try_second_factors(client, pool, ann, sending):
    policy(pool, second_factor="required", mfa_email_code=True, lockout_failures=3)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    client.post(url(pool, "sign_in_password"), {"password": GOOD})
    with sending():
        client.post(url(pool, "sign_in_second"), {"action": "send"})
    code = last_code()
    for _ in range(3):
        client.post(url(pool, "sign_in_second"), {"code": "000000"})
    # the code is dead after its own tries too; a new one arrives, but the
    # block refuses it without checking
    blocked = client.post(url(pool, "sign_in_second"), {"code": code})
    assert blocked.status_code == 429
    assert not signed_in(client, pool, ann)


@pytest.mark.django_db(transaction=True)
def test_one_sign_in_code_submitted_twice_at_once_passes_once(pool, ann):
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    from accounts.authenticators.codes.services import code_issue, code_verify

    to = ann.identifiers.get()
    attempt = "a" * 32
    _code, secret = code_issue(
        user=ann, purpose="sign_in", identifier=to, attempt=attempt
    )
    barrier = threading.Barrier(2)
    results: list[str] = []

    def verify():
        barrier.wait()
        try:
            code_verify(user=ann, purpose="sign_in", secret=secret, attempt=attempt)
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
    assert sorted(results) == ["code_invalid", "ok"]


def test_sms_code_sign_in(client, pool, sending, settings):
    from core.delivery import sms

    settings.SMS_BACKEND = "core.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    policy(pool, sms_code_enabled=True, preferred_method="sms_code")
    bob = PoolUserFactory(pool=pool)
    Identifier.objects.create(
        pool=pool, user=bob, type="phone", value="+447911123456", is_verified=True
    )
    with sending():
        response = client.post(url(pool, "sign_in"), {"identifier": "+44 7911 123456"})
    assert response["Content-Location"] == url(pool, "sign_in_code")
    assert sms.outbox[-1].to == "+447911123456"
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)
    assert client.post(url(pool, "sign_in_code"), {"code": code}).status_code == 302
    assert signed_in(client, pool, bob)
    event = AuditEvent.objects.filter(action="pool_user.signed_in").get()
    assert event.details == {"method": "sms_code"}
