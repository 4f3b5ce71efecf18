"""The account page's addresses: a signed-in user adds an email address or
mobile number by entering the code sent to it (nothing is reserved before),
verifies one they have, and removes one (never the last verified one)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.flows.identifiers import SENDS_PER_HOUR
from accounts.models import Code
from core.delivery import sms
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier, SignInPolicy
from tests.conftest import GOOD
from tests.conftest import hosted_url as url
from tests.factories import PoolUserFactory

from .authenticators.test_passkeys_services import enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def ann(ann):
    """tests/conftest.py's Ann (password GOOD), her address verified."""
    Identifier.objects.filter(user=ann).update(is_verified=True)
    return ann


def signed_in(pool, identifier="ann@example.com") -> Client:
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": identifier})
    done = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert done["Location"] == url(pool, "account"), done
    return client


def last_code(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [to])
    return re.search(r"\b(\d{6,10})\b", message.body).group(1)


def past_the_resend_interval():
    """The codes sent so far were sent minutes ago (past the pool's resend
    interval)."""
    Code.objects.update(created_at=timezone.now() - timedelta(minutes=5))


def add(client, pool, sending, address):
    with sending():
        return client.post(url(pool, "account_identifier_add"), {"identifier": address})


def test_add_an_address_with_its_code_then_sign_in_with_it(pool, ann, sending):
    client = signed_in(pool)
    page = client.get(url(pool, "account")).content.decode()
    assert "Add an email address or mobile number" in page
    response = add(client, pool, sending, "Ann.New@Example.com")
    assert response["Location"] == url(pool, "account_identifier_verify")
    # Nothing is added (or reserved) before the code.
    assert not Identifier.objects.filter(value="ann.new@example.com").exists()
    page = client.get(response["Location"]).content.decode()
    assert "ann.new@example.com" in page
    wrong = client.post(url(pool, "account_identifier_verify"), {"code": "000000"})
    assert "This code is not correct" in wrong.content.decode()
    with sending():
        done = client.post(
            url(pool, "account_identifier_verify"),
            {"code": last_code("ann.new@example.com")},
        )
    assert done["Location"] == url(pool, "account")
    added = Identifier.objects.get(value="ann.new@example.com")
    assert added.user == ann and added.is_verified
    # Ann's first address hears of it (a session thief would add their own).
    notice = mail.outbox[-1]
    assert notice.to == ["ann@example.com"]
    assert "ann.new@example.com was just added" in notice.body
    event = AuditEvent.objects.get(action="pool_user.identifier_added")
    assert (event.actor_id, event.details["identifier"]) == (
        str(ann.pk),
        "ann.new@example.com",
    )
    assert (
        "ann.new@example.com is verified"
        in client.get(url(pool, "account")).content.decode()
    )
    signed_in(pool, "ann.new@example.com")  # the new address signs in


def test_a_code_adds_only_the_address_it_was_sent_to(pool, ann, sending):
    client = signed_in(pool)
    add(client, pool, sending, "first@example.com")
    first = last_code("first@example.com")
    mail.outbox.clear()
    # A second address replaces the first; the first one's code is dead.
    past_the_resend_interval()
    add(client, pool, sending, "second@example.com")
    refused = client.post(url(pool, "account_identifier_verify"), {"code": first})
    assert "This code is not correct" in refused.content.decode()
    assert not Identifier.objects.filter(value="first@example.com").exists()


def test_another_users_address_is_answered_alike_then_refused_after_the_code(
    pool, ann, sending
):
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    client = signed_in(pool)
    free = add(client, pool, sending, "nobody@example.com")
    past_the_resend_interval()
    taken = add(client, pool, sending, "bob@example.com")
    # The same answer for a free and a taken address: no one learns whose it is.
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    # Whoever holds the address gets the code; entering it says it is taken.
    refused = client.post(
        url(pool, "account_identifier_verify"), {"code": last_code("bob@example.com")}
    )
    assert "belongs to another account" in refused.content.decode()
    assert Identifier.objects.get(value="bob@example.com").user == bob


def test_an_own_verified_address_is_refused_and_an_unverified_one_verified(
    pool, ann, sending, settings
):
    settings.SMS_BACKEND = "core.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    client = signed_in(pool)
    again = add(client, pool, sending, "ann@example.com")
    assert "You already sign in with this address" in again.content.decode()
    Identifier.objects.create(pool=pool, user=ann, type="phone", value="+447911123456")
    page = client.get(url(pool, "account")).content.decode()
    assert "+447911123456 (not verified)" in page and ">Verify<" in page
    with sending():
        client.post(
            url(pool, "account_identifier_add"), {"identifier": "+447911123456"}
        )
    assert sms.outbox[-1].to == "+447911123456"
    code = re.search(r"\b(\d{6,10})\b", sms.outbox[-1].body).group(1)
    client.post(url(pool, "account_identifier_verify"), {"code": code})
    assert Identifier.objects.get(value="+447911123456").is_verified


def test_remove_an_address_but_never_the_last_verified_one(pool, ann, sending):
    client = signed_in(pool)
    other = Identifier.objects.create(
        pool=pool, user=ann, type="email", value="old@example.com", is_verified=True
    )
    page = client.get(
        url(pool, "account_identifier_remove") + f"?identifier={other.pk}"
    )
    assert "Remove old@example.com?" in page.content.decode()
    with sending():
        done = client.post(
            url(pool, "account_identifier_remove"), {"identifier": other.pk}
        )
    assert mail.outbox[-1].to == ["old@example.com"]
    assert "was just removed" in mail.outbox[-1].body
    assert done["Location"] == url(pool, "account")
    assert not Identifier.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action="pool_user.identifier_removed").exists()
    # An unverified one beside the last verified one: that one cannot go.
    unverified = Identifier.objects.create(
        pool=pool, user=ann, type="email", value="maybe@example.com"
    )
    last = Identifier.objects.get(value="ann@example.com")
    refused = client.post(
        url(pool, "account_identifier_remove"), {"identifier": last.pk}, follow=True
    )
    assert "Keep at least one verified email address" in refused.content.decode()
    assert Identifier.objects.filter(pk=last.pk).exists()
    client.post(url(pool, "account_identifier_remove"), {"identifier": unverified.pk})
    assert not Identifier.objects.filter(pk=unverified.pk).exists()


def test_another_users_address_cannot_be_removed(pool, ann):
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    bobs = bob.identifiers.get()
    client = signed_in(pool)
    for identifier in (bobs.pk, "not-an-id", ""):
        refused = client.post(
            url(pool, "account_identifier_remove"), {"identifier": identifier}
        )
        assert refused["Location"] == url(pool, "account")
    assert Identifier.objects.filter(pk=bobs.pk).exists()
    # Its confirmation page does not show it either.
    page = client.get(url(pool, "account_identifier_remove") + f"?identifier={bobs.pk}")
    assert page["Location"] == url(pool, "account")


def test_the_pages_are_for_signed_in_users_only(pool, ann):
    client = Client()
    for name in (
        "account_identifier_add",
        "account_identifier_verify",
        "account_identifier_remove",
    ):
        assert client.get(url(pool, name))["Location"] == url(pool, "sign_in")
        assert client.post(url(pool, name), {})["Location"] == url(pool, "sign_in")


def test_sends_are_limited_per_user(pool, ann, sending):
    client = signed_in(pool)
    for n in range(SENDS_PER_HOUR):
        sent = add(client, pool, sending, f"a{n}@example.com")
        assert sent.status_code == 302, sent.content.decode()[-600:]
        past_the_resend_interval()
    refused = add(client, pool, sending, "one-more@example.com")
    assert refused.status_code == 200
    assert "60 minutes" in refused.content.decode()
    assert not [m for m in mail.outbox if m.to == ["one-more@example.com"]]


@pytest.fixture
def later(monkeypatch):
    """The clock of the account flows 16 minutes on: the sign-in is no longer
    recent."""
    import time as real
    from types import SimpleNamespace

    from accounts.flows import account

    monkeypatch.setattr(
        account, "time", SimpleNamespace(time=lambda: real.time() + 960)
    )


def test_an_old_sign_in_confirms_the_password_first(pool, ann, later):
    client = signed_in(pool)
    for name in ("account_identifier_add", "account_identifier_remove"):
        assert client.get(url(pool, name))["Location"] == url(pool, "account_confirm")
    page = client.get(url(pool, "account_confirm")).content.decode()
    assert "Confirm it's you" in page and "Your password" in page
    wrong = client.post(url(pool, "account_confirm"), {"current_password": "nope"})
    [problem] = wrong.context["form"].errors.as_data()["current_password"]
    assert problem.code == "password_incorrect"
    assert AuditEvent.objects.filter(
        action="pool_user.reauthentication_failed"
    ).exists()
    done = client.post(url(pool, "account_confirm"), {"current_password": GOOD})
    # Back to the page that asked (the last one: remove), now open.
    assert done["Location"] == url(pool, "account_identifier_remove")
    assert client.get(url(pool, "account_identifier_add")).status_code == 200


def test_without_a_password_the_user_signs_in_again(pool, ann, later):
    client = signed_in(pool)
    PasswordCredential.objects.filter(user=ann).delete()
    page = client.get(url(pool, "account_confirm")).content.decode()
    assert "Sign in again" in page and "Your password" not in page
    response = client.post(url(pool, "account_confirm"), {"action": "sign_in_again"})
    assert response["Location"] == url(pool, "sign_in")
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")


def test_passkeys_and_the_app_need_a_recent_sign_in_too(pool, ann, later):
    """A passkey or an authenticator app is a way in as well (a passkey signs
    in alone): adding one also needs a recent sign-in."""
    SignInPolicy.objects.update_or_create(
        pool=pool, defaults={"passkey_enabled": True, "totp_enabled": True}
    )
    client = signed_in(pool)
    for name in ("account_passkeys", "account_totp"):
        assert client.get(url(pool, name))["Location"] == url(pool, "account_confirm")
    # New recovery codes too, once she has a second factor for them to back.
    enrol(ann)
    assert client.get(url(pool, "account_recovery_codes"))["Location"] == url(
        pool, "account_confirm"
    )
    # The registration endpoint refuses too (the page may be left open).
    start = client.post(
        url(pool, "passkey_account_options"), "{}", content_type="application/json"
    )
    assert start.status_code == 400
    assert "confirm it's you" in start.json()["error"]
    client.post(url(pool, "account_confirm"), {"current_password": GOOD})
    assert client.get(url(pool, "account_totp")).status_code == 200
    ok = client.post(
        url(pool, "passkey_account_options"), "{}", content_type="application/json"
    )
    assert ok.status_code == 200


def test_ten_addresses_at_most(pool, ann, sending):
    for n in range(9):
        Identifier.objects.create(
            pool=pool, user=ann, type="email", value=f"ann{n}@example.com"
        )
    client = signed_in(pool)
    refused = add(client, pool, sending, "eleventh@example.com")
    assert "You have 10 addresses" in refused.content.decode()
    assert not mail.outbox
