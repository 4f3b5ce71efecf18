"""An authenticator app in Chromium: a pool that requires a second factor makes a
user set one up at sign-in (the key read from the page, the code computed here),
shows the recovery codes once, then signs them in; the next sign-in asks for
the app's code."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.authenticators.passwords.services import password_set
from accounts.models import RecoveryCode, TotpDevice
from identity_pools.models import SignInPolicy
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "correct horse battery staple 2026"


def code_for_step(key_hex: str, step: int) -> str:
    totp = TOTP(bytes.fromhex(key_hex), 30, 0, 6, 0)
    totp.time = step * 30 + 1
    return f"{totp.token():06d}"


def password_step(page, start: str) -> None:
    page.goto(start)
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()


def test_forced_enrolment_then_the_app_at_the_next_sign_in(live_server, page):
    import time

    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    SignInPolicy.objects.create(pool=pool, second_factor="required")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    start = f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/"

    # (a) The password leads to the enrolment; the app is set up from the page.
    password_step(page, start)
    expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator(".qr svg")).to_be_visible()
    manual = page.locator("#totp-key").inner_text().replace(" ", "")
    key = base64.b32decode(manual + "=" * (-len(manual) % 8)).hex()
    page.get_by_role("textbox", name="Code").fill(
        code_for_step(key, int(time.time()) // 30)
    )
    page.get_by_role("button", name="Turn on").click()
    expect(
        page.get_by_role("heading", name="Your authenticator app is set up")
    ).to_be_visible()
    expect(page.locator("#recovery-code-list li")).to_have_count(10)
    assert RecoveryCode.objects.filter(user=user).count() == 10
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()
    expect(page.get_by_text("Remove the authenticator app")).to_be_visible()
    expect(page.get_by_text("10 recovery codes left")).to_be_visible()

    # (b) Signed out and in again: the password, then the app's code. The code
    # of the set-up's time step is used up (a replay); the next step's code is
    # accepted at once (one step of tolerance), so no waiting for the clock.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    password_step(page, start)
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    used = TotpDevice.objects.get(user=user).last_t
    page.get_by_role("textbox", name="Code").fill(code_for_step(key, used))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("This code is not correct")
    TotpDevice.objects.filter(user=user).update(throttling_failure_timestamp=None)
    page.get_by_role("textbox", name="Code").fill(code_for_step(key, used + 1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()
