"""A pool user on the hosted pages in Chromium: signs in (identifier, a wrong
password, the right one), signs out; resets a forgotten password with an emailed
code; changes the password on the account page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.authenticators.passwords.services import password_set
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "correct horse battery staple 2026"


def test_password_sign_in(live_server, page):
    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    page.goto(f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/")
    expect(page.get_by_text("Acme Retail").first).to_be_visible()
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()
    expect(page.get_by_text("ann@example.com (not verified)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_password_on_the_first_page(live_server, page):
    """A pool asking for the password on the first page: the browser's one form
    signs in (and a wrong password keeps the identifier typed)."""
    from identity_pools.models import SignInPolicy

    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    SignInPolicy.objects.create(pool=pool, password_on_first_page=True)
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    page.goto(f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/")
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_label("Email/Mobile")).to_have_value("ann@example.com")
    expect(page.get_by_label("Password")).to_have_value("")
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()


def test_password_reset_then_change_on_the_account_page(live_server, page):
    import re

    from django.core import mail

    from identity_pools.models import Identifier

    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    Identifier.objects.filter(user=user).update(is_verified=True)
    password_set(user=user, raw_password=GOOD)
    new, newer = "a brand new passphrase for 2027", "yet another passphrase 2028"

    page.goto(f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/")
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_label("Email/Mobile")).to_have_value("ann@example.com")
    page.get_by_role("button", name="Send a code").click()
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_label("Choose a password").fill(new)
    page.get_by_label("Type it again").fill(new)
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_text("Your password is reset")).to_be_visible()

    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(new)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Current password").fill(GOOD)
    page.get_by_label("Choose a password").fill(newer)
    page.get_by_label("Type it again").fill(newer)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#id_current_password_error")).to_contain_text(
        "This password is not correct"
    )
    page.get_by_label("Current password").fill(new)
    page.get_by_label("Choose a password").fill(newer)
    page.get_by_label("Type it again").fill(newer)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()


def test_email_code_sign_in_from_the_password_page(live_server, page):
    import re

    from django.core import mail

    from identity_pools.models import Identifier, SignInPolicy

    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    SignInPolicy.objects.create(pool=pool, email_code_enabled=True)
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    Identifier.objects.filter(user=user).update(is_verified=True)

    page.goto(f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/")
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your password")).to_be_visible()
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()


def test_account_page_adds_an_address_and_signs_another_browser_out(
    live_server, page, browser
):
    """The account page's own forms in Chromium: an address added with its
    emailed code, then another browser signed out from "Where you're signed
    in". No script error or CSP complaint on the way."""
    import re

    from django.core import mail

    from tests.browser.oidc_rp import watch_problems

    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    start = f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/"

    def sign_in(tab):
        tab.goto(start)
        tab.get_by_label("Email/Mobile").fill("ann@example.com")
        tab.get_by_role("button", name="Continue").click()
        tab.get_by_label("Password").fill(GOOD)
        tab.get_by_role("button", name="Sign in").click()
        expect(tab.get_by_role("heading", name=user.display_name)).to_be_visible()

    other = browser.new_context().new_page()
    sign_in(other)
    problems = watch_problems(page)
    sign_in(page)
    page.get_by_role("link", name="Add an email address or mobile number").click()
    page.get_by_label("Email address or mobile number").fill("ann.new@example.com")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("We sent a code to")).to_be_visible()
    message = next(m for m in reversed(mail.outbox) if m.to == ["ann.new@example.com"])
    code = re.search(r"\b(\d{6,10})\b", message.body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("ann.new@example.com is verified")).to_be_visible()
    expect(page.get_by_text("ann.new@example.com (verified)")).to_be_visible()

    expect(page.get_by_text("(this browser)")).to_be_visible()
    page.get_by_role("button", name="Sign out everywhere else").click()
    expect(page.get_by_text("1 other session is signed out")).to_be_visible()
    other.reload()
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    assert problems == []
    other.context.close()
