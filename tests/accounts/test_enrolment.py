"""The forced enrolment of a sign-in: when the pool requires a second factor and
the user has none, the password leads to "Set up a second factor", and nothing
but a set-up (then "Continue") finishes the sign-in."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP

from accounts.authenticators.totp.services import totp_new_key
from accounts.hosted.session import HostedSessionMiddleware
from accounts.models import Passkey, RecoveryCode, TotpDevice
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier, SignInPolicy
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"
NEW = "a brand new passphrase for 2027"


def code_at(key: str, when: float | None = None) -> str:
    totp = TOTP(bytes.fromhex(key), 30, 0, 6, 0)
    totp.time = time.time() if when is None else when
    return f"{totp.token():06d}"


def key_on_page(response) -> str:
    raw = re.search(r'id="totp-key">([A-Z2-7 ]+)<', response.content.decode())
    text = raw.group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8)).hex()


def shown_codes(response) -> list[str]:
    return re.findall(
        r'<code class="secret">([a-z0-9-]+)</code>', response.content.decode()
    )


def password_step(client, pool, password=GOOD):
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    return client.post(url(pool, "sign_in_password"), {"password": password})


def hosted_session(client):
    """This client's hosted session, through the store the middleware uses."""
    store = HostedSessionMiddleware(None).store
    return store(client.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value)


@pytest.fixture
def pool(workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    SignInPolicy.objects.create(pool=pool, second_factor="required")
    return pool


def test_the_password_leads_to_the_enrolment_which_cannot_be_skipped(client, pool, ann):
    assert password_step(client, pool)["Location"] == url(pool, "sign_in_enrol")
    page = client.get(url(pool, "sign_in_enrol")).content.decode()
    assert "Set up a second factor" in page
    assert url(pool, "sign_in_enrol_app") in page
    for name in ("account", "account_totp", "account_profile", "sign_in_second"):
        assert client.get(url(pool, name))["Location"] == url(pool, "sign_in")
    assert client.get(url(pool, "sign_in_enrolled"))["Location"] == url(pool, "sign_in")
    assert client.post(url(pool, "sign_in_enrolled"))["Location"] == url(
        pool, "sign_in"
    )
    assert client.post(url(pool, "sign_in_second"), {"code": "123456"})[
        "Location"
    ] == url(pool, "sign_in")
    assert not AuditEvent.objects.filter(action="pool_user.signed_in").exists()
    # Still waiting at the enrolment.
    assert client.get(url(pool, "sign_in_enrol")).status_code == 200


def test_the_app_set_up_shows_codes_once_and_continue_signs_in(client, pool, ann):
    password_step(client, pool)
    setup = client.get(url(pool, "sign_in_enrol_app"))
    assert "<svg" in setup.content.decode()
    key = key_on_page(setup)
    wrong = "000000" if code_at(key) != "000000" else "111111"
    refused = client.post(url(pool, "sign_in_enrol_app"), {"code": wrong})
    assert [e.code for e in refused.context["form"].non_field_errors().as_data()] == [
        "totp_code_invalid"
    ]
    done = client.post(url(pool, "sign_in_enrol_app"), {"code": code_at(key)})
    codes = shown_codes(done)
    assert len(codes) == 10 and RecoveryCode.objects.filter(user=ann).count() == 10
    assert "no-store" in done["Cache-Control"]
    assert TotpDevice.objects.get(user=ann).key == key
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    # A reload of the "done" page shows the codes no more.
    again = client.get(url(pool, "sign_in_enrolled"))
    assert again.status_code == 200 and shown_codes(again) == []
    assert client.post(url(pool, "sign_in_enrolled"))["Location"] == url(
        pool, "account"
    )
    assert client.get(url(pool, "account")).status_code == 200
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    # The app set up, and proved with a code: amr "otp" in ID tokens.
    assert event.details == {"method": "password+totp"}
    assert {"pool_user.totp_added", "pool_user.recovery_codes_generated"} <= set(
        AuditEvent.objects.filter(actor_id=str(ann.pk)).values_list("action", flat=True)
    )
    # Finished: the enrolment pages lead nowhere now.
    assert client.post(url(pool, "sign_in_enrolled"))["Location"] == url(
        pool, "sign_in"
    )


def test_a_password_that_must_change_is_asked_after_the_enrolment(client, pool, ann):
    PasswordCredential.objects.filter(user=ann).update(state="must_change")
    assert password_step(client, pool)["Location"] == url(pool, "sign_in_enrol")
    key = key_on_page(client.get(url(pool, "sign_in_enrol_app")))
    client.post(url(pool, "sign_in_enrol_app"), {"code": code_at(key)})
    finish = client.post(url(pool, "sign_in_enrolled"))
    assert finish["Location"] == url(pool, "sign_in_change_password")
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    done = client.post(
        url(pool, "sign_in_change_password"), {"password1": NEW, "password2": NEW}
    )
    assert done["Location"] == url(pool, "account")
    assert client.get(url(pool, "account")).status_code == 200


def test_after_a_password_reset_the_second_factor_is_still_asked(
    client, pool, ann, mailoutbox, django_capture_on_commit_callbacks
):
    Identifier.objects.filter(user=ann).update(is_verified=True)
    TotpDevice.objects.create(user=ann, key=totp_new_key())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(pool, "reset_start"), {"identifier": "ann@example.com"})
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        reset = client.post(
            url(pool, "reset_finish"),
            {
                "identifier": "ann@example.com",
                "code": code,
                "password1": NEW,
                "password2": NEW,
            },
        )
    assert reset["Location"] == url(pool, "sign_in")
    assert password_step(client, pool, NEW)["Location"] == url(pool, "sign_in_second")
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")


def test_after_a_password_reset_a_user_without_one_must_still_enrol(
    client, pool, ann, mailoutbox, django_capture_on_commit_callbacks
):
    Identifier.objects.filter(user=ann).update(is_verified=True)
    SignInPolicy.objects.filter(pool=pool).update(mfa_email_code=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(pool, "reset_start"), {"identifier": "ann@example.com"})
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    client.post(
        url(pool, "reset_finish"),
        {
            "identifier": "ann@example.com",
            "code": code,
            "password1": NEW,
            "password2": NEW,
        },
    )
    assert password_step(client, pool, NEW)["Location"] == url(pool, "sign_in_enrol")


def test_nothing_to_set_up_says_so(client, pool, ann):
    SignInPolicy.objects.filter(pool=pool).update(
        mfa_totp=False, mfa_passkey=False, mfa_sms_code=True
    )
    assert password_step(client, pool)["Location"] == url(pool, "sign_in_enrol")
    page = client.get(url(pool, "sign_in_enrol")).content.decode()
    assert "none can be set up for your account" in page
    assert client.get(url(pool, "sign_in_enrol_app"))["Location"] == url(
        pool, "sign_in_enrol"
    )


def test_after_a_passkey_enrolment_codes_are_made_once(client, pool, ann):
    """The passkey pages register the passkey, mark the sign-in enrolled and
    send the browser to ``sign_in_enrolled``."""
    password_step(client, pool)
    Passkey.objects.create(
        user=ann,
        name="Laptop",
        credential_id="abc",
        public_key=b"k",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    session = hosted_session(client)
    session["sign_in"] = {**session["sign_in"], "stage": "enrolled"}
    session.save()
    first = client.get(url(pool, "sign_in_enrolled"))
    assert "Your passkey is set up" in first.content.decode()
    assert len(shown_codes(first)) == 10
    assert shown_codes(client.get(url(pool, "sign_in_enrolled"))) == []
    assert client.post(url(pool, "sign_in_enrolled"))["Location"] == url(
        pool, "account"
    )


def test_enrolled_without_a_second_factor_goes_back_to_sign_in(client, pool, ann):
    password_step(client, pool)
    session = hosted_session(client)
    session["sign_in"] = {**session["sign_in"], "stage": "enrolled"}
    session.save()
    assert client.post(url(pool, "sign_in_enrolled"))["Location"] == url(
        pool, "sign_in"
    )
    assert not AuditEvent.objects.filter(action="pool_user.signed_in").exists()


def test_another_browser_cannot_continue_the_enrolment(pool, ann):
    password_step(Client(), pool)
    other = Client()
    for name in ("sign_in_enrol", "sign_in_enrol_app", "sign_in_enrolled"):
        assert other.get(url(pool, name))["Location"] == url(pool, "sign_in")
