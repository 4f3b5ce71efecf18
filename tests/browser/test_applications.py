"""Workspace → Applications in Chromium, as a new operator walks it: "Create
application" with the workspace's one identity provider already ticked, the
secret shown once, then the application's page with the provider's addresses
and copy buttons (static JavaScript under the strict CSP)."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from oidc.connections import idp_connect
from oidc.models import Application
from tests.factories import PASSWORD, IdentityPoolFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_application_then_copy_the_issuer(live_server, page):
    membership = MembershipFactory(role="owner", workspace__name="Acme Retail")
    workspace = membership.workspace
    pool = IdentityPoolFactory(workspace=workspace, name="Customers")
    idp_connect(workspace=workspace, actor=membership.operator, pool=pool)
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    problems = []  # script errors and CSP violations
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )

    page.goto(f"{live_server.url}/console/login/")
    page.get_by_label("Email").fill(membership.operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Applications"
    ).click()
    page.get_by_role("link", name="Create application").click()
    expect(page.get_by_role("checkbox", name="Customers (Customers)")).to_be_checked()
    page.get_by_role("textbox", name="Name", exact=True).fill("Shop")
    page.get_by_label("Redirect URIs", exact=True).fill(
        "https://shop.example.com/callback"
    )
    page.get_by_role("button", name="Create application").click()

    # The first submit works: the secret, once, with its own copy button.
    expect(
        page.get_by_role("heading", name="Application “Shop” created")
    ).to_be_visible()
    secret = page.get_by_role("textbox", name="Client secret").input_value()
    page.get_by_role("button", name="Copy client secret").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.get_by_role("link", name="Done").click()

    issuer = f"{settings.PUBLIC_URL}/w/{workspace.slug}"
    expect(page.get_by_role("heading", name="Connect your application")).to_be_visible()
    expect(page.locator("code#issuer")).to_have_text(issuer)
    page.get_by_role("button", name="Copy Issuer").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == issuer
    page.get_by_role("button", name="Copy quick start").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert Application.objects.get().client_id in copied
    assert f"{issuer}/.well-known/openid-configuration" in copied
    assert problems == []
