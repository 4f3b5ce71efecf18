"""A pool user signs in on the hosted pages in Chromium: identifier, then a wrong
password, then the right one; the account page; sign-out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.authenticators.passwords import password_set
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
