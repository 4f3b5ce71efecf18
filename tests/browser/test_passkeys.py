"""Passkeys in Chromium, with its virtual authenticator (DevTools protocol,
``WebAuthn.addVirtualAuthenticator``): a signed-in user adds a passkey on the
account's passkey page, signs out, and signs in again from the first sign-in
screen with "Sign in with a passkey", typing nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.authenticators.passwords.services import password_set
from accounts.models import Passkey
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "correct horse battery staple 2026"


@pytest.fixture
def relying_party(live_server, settings):
    """The live server is the relying party (its host is "localhost": WebAuthn
    refuses IP addresses)."""
    settings.WEBAUTHN_RP_ID = urlsplit(live_server.url).hostname
    settings.WEBAUTHN_ORIGINS = [live_server.url]
    return live_server.url


def virtual_authenticator(page) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, made["authenticatorId"]


def test_add_a_passkey_then_sign_in_with_it_usernameless(relying_party, page):
    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    cdp, authenticator = virtual_authenticator(page)
    # Chromium's virtual authenticator answers the autofill (conditional) request
    # by itself, without the choice a person makes: turn autofill off here so the
    # button's ceremony is the one under test.
    page.add_init_script(
        "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
    )
    problems = []  # script errors and CSP violations
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )
    base = f"{relying_party}/w/{pool.workspace.slug}/pools/{pool.pk}"

    page.goto(f"{base}/signin/")
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()

    page.goto(f"{base}/account/passkeys/")
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
    page.get_by_label("Passkey name (optional)").fill("This browser")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey “This browser” is added.")).to_be_visible()
    # the first second factor: recovery codes next
    page.get_by_role("button", name="Make recovery codes").click()
    expect(page.locator("#recovery-code-list code")).to_have_count(10)
    page.goto(f"{base}/account/passkeys/")
    expect(page.get_by_role("heading", name="This browser")).to_be_visible()
    passkey = Passkey.objects.get(user=user)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in stored["credentials"]] == [True]

    page.goto(f"{base}/account/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("heading", name=user.display_name)).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert problems == []


def test_no_passkey_button_without_webauthn(relying_party, page):
    """Progressive enhancement: a browser without WebAuthn sees no button."""
    pool = IdentityPoolFactory()
    page.add_init_script("delete window.PublicKeyCredential;")
    page.goto(f"{relying_party}/w/{pool.workspace.slug}/pools/{pool.pk}/signin/")
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
