"""Recovery codes in Chromium, where they are shown once: after a second factor
is set up at sign-in, and when made anew on the account page. "Copy" puts the
ten codes on the clipboard (one a line); "Download" saves a text file with
them, also with JavaScript off (a data: link), under the strict CSP, with no
script error."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.authenticators.passwords.services import password_set
from accounts.authenticators.recovery.services import recovery_code_use
from identity_pools.models import SignInPolicy
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "correct horse battery staple 2026"


def app_code(key_hex: str) -> str:
    app = TOTP(bytes.fromhex(key_hex), 30, 0, 6, 0)
    app.time = time.time()
    return f"{app.token():06d}"


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    return problems


def shown_codes(page) -> list[str]:
    codes = page.locator("#recovery-code-list code").all_inner_texts()
    assert len(codes) == 10
    return codes


def downloaded(page) -> tuple[str, str]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    download = info.value
    with open(download.path(), encoding="utf-8") as file:
        return download.suggested_filename, file.read()


def sign_in_and_set_up_an_app(page, start: str) -> None:
    page.goto(start)
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    manual = page.locator("#totp-key").inner_text().replace(" ", "")
    key = base64.b32decode(manual + "=" * (-len(manual) % 8)).hex()
    page.get_by_role("textbox", name="Code").fill(app_code(key))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()


@pytest.fixture
def ann():
    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    SignInPolicy.objects.create(pool=pool, second_factor="required")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    return user


def test_copy_and_download_the_codes_after_set_up_and_when_made_anew(
    live_server, browser, ann
):
    pool = ann.pool
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = watch(page)
    sign_in_and_set_up_an_app(
        page, f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/"
    )

    # (a) After the set-up: the file holds the shown codes, and they work.
    codes = shown_codes(page)
    name, text = downloaded(page)
    assert name == f"recovery-codes-{pool.workspace.slug}.txt"
    assert "Recovery codes for Acme Retail" in text
    assert text.strip().splitlines()[-10:] == codes
    page.get_by_role("button", name="Copy recovery codes").click()
    expect(page.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == "\n".join(codes)
    recovery_code_use(user=ann, code=codes[0])  # the real ones

    # (b) Made anew on the account page: the new ones, copied and downloaded.
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Make new recovery codes").click()
    page.get_by_role("button", name="Make new codes").click()
    expect(page.get_by_role("heading", name="Your new recovery codes")).to_be_visible()
    fresh = shown_codes(page)
    assert set(fresh).isdisjoint(codes)
    assert downloaded(page)[1].strip().splitlines()[-10:] == fresh
    page.get_by_role("button", name="Copy recovery codes").click()
    expect(page.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == "\n".join(fresh)
    assert problems == []
    context.close()


def test_download_works_without_javascript(live_server, browser, ann):
    pool = ann.pool
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_and_set_up_an_app(
        page, f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/"
    )
    codes = shown_codes(page)
    assert downloaded(page)[1].strip().splitlines()[-10:] == codes
    # No script, no button that would do nothing.
    expect(page.get_by_role("button", name="Copy recovery codes")).to_have_count(0)
    context.close()
