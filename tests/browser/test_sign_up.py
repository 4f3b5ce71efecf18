"""The end user's side, in Chromium: registering from an invitation link (a password
the policy first refuses, then accepts), and self-registration with a code by email
and by text message (the file SMS backend)."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from identity_pools.models import PoolUser
from tests.browser.test_guide import SEND_INVITATION, fill_user, sign_in
from tests.factories import IdentityPoolFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "correct horse battery staple 2026"


def test_invited_user_registers_from_the_emailed_link(live_server, page, settings):
    settings.PUBLIC_URL = live_server.url
    membership = MembershipFactory(role="owner", workspace__name="Acme Retail")
    pool = IdentityPoolFactory(workspace=membership.workspace, name="Customers")
    sign_in(page, live_server.url, membership.operator)
    page.goto(
        f"{live_server.url}/console/w/{pool.workspace.slug}/pools/{pool.pk}/users/new/"
    )
    fill_user(page, "bo.chen@example.com", "Bo", "Chen")
    page.get_by_role("radio", name=SEND_INVITATION).check()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="Bo Chen")).to_be_visible()

    link = re.search(r"(http://\S+/invitation/\S+/)", mail.outbox[-1].body).group(1)
    assert link.startswith(live_server.url)
    page.context.clear_cookies()  # the invitee is someone else
    page.goto(link)
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.get_by_text("Acme Retail").first).to_be_visible()
    expect(page.get_by_text("bo.chen@example.com")).to_be_visible()

    page.get_by_label("Choose a password").fill("too short")
    page.get_by_label("Type it again").fill("too short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("too short")

    page.get_by_label("Choose a password").fill(GOOD)
    page.get_by_label("Type it again").fill(GOOD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="You're all set")).to_be_visible()
    assert PoolUser.objects.get(pool=pool).status == "active"

    page.goto(link)
    expect(
        page.get_by_role("heading", name="This link no longer works")
    ).to_be_visible()


def _sign_up(page, url, identifier):
    page.goto(url)
    page.get_by_label("Email/Mobile").fill(identifier)
    page.get_by_label("Given name").fill("Nia")
    page.get_by_label("Family name").fill("Okafor")
    page.get_by_role("textbox", name="Name", exact=True).fill("Nia Okafor")
    page.get_by_label("Choose a password").fill(GOOD)
    page.get_by_label("Type it again").fill(GOOD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()


def _enter_codes(page, code):
    page.get_by_label("Code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="You're all set")).to_be_visible()


def test_visitor_signs_up_with_email(live_server, page, settings):
    pool = IdentityPoolFactory(self_registration_enabled=True)
    _sign_up(
        page,
        f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signup/",
        "nia@example.com",
    )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    _enter_codes(page, code)
    assert PoolUser.objects.get(pool=pool).status == "active"


def test_visitor_signs_up_with_a_mobile_number(live_server, page, settings, tmp_path):
    settings.SMS_BACKEND = "core.delivery.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    pool = IdentityPoolFactory(
        self_registration_enabled=True, signup_with_email=False, signup_with_phone=True
    )
    _sign_up(
        page,
        f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}/signup/",
        "+44 7911 123456",
    )
    [line] = (tmp_path / "sms.jsonl").read_text().splitlines()
    text = json.loads(line)
    assert text["to"] == "+447911123456"
    _enter_codes(page, re.search(r"\b(\d{6})\b", text["body"]).group(1))
    assert PoolUser.objects.get(pool=pool).status == "active"
