"""The guide "Store users and user populations in Identity Pools", end to end in
Chromium: add a pool, add users (set credentials; send invitation), add a group and
assign the users to it. Locators use the guide's own words."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from identity_pools.credentials import PasswordCredential
from identity_pools.models import Group, GroupMembership, IdentityPool, PoolUser
from tests.factories import PASSWORD, IdentityPoolFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER_PASSWORD = "correct horse battery staple 2026"
SET_CREDENTIALS = "Set credentials – Admin sets a password for the user"
SEND_INVITATION = "Send invitation – Sends a link for user registration"


def sign_in(page, base_url, operator):
    page.goto(f"{base_url}/console/login/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # An operator with one workspace lands in it.
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()


def fill_user(page, identifier, given, family):
    page.get_by_label("Email/Mobile").fill(identifier)
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_role("textbox", name="Name", exact=True).fill(f"{given} {family}")


def test_guide_pool_users_and_group(live_server, page):
    membership = MembershipFactory(role="owner", workspace__name="Acme Retail")
    workspace = membership.workspace

    # Sign in, open the workspace.
    sign_in(page, live_server.url, membership.operator)
    expect(page.get_by_role("heading", name="Acme Retail")).to_be_visible()

    # Add an Identity Pool: go to Users and click Create Pool.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Users"
    ).click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    page.get_by_role("link", name="Create Pool").click()
    page.get_by_label("Pool name").fill("Customers")
    page.get_by_label("Description").fill("People who buy from the shop")
    page.get_by_role("button", name="Create", exact=True).click()

    # Result: the pool is created but has no users yet; three ways to add users.
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.get_by_text("The pool is created but has no users yet")).to_be_visible()
    for way in (
        "Enable self-registration to let users create their own accounts",
        "Migrate users using APIs to import existing user data",
        "Manually add users through the Identity Pool interface",
    ):
        expect(page.get_by_role("listitem").filter(has_text=way)).to_be_visible()
    tabs = page.get_by_role("navigation", name="Pool")
    for tab in ("Users", "Groups", "Settings"):
        expect(tabs.get_by_role("link", name=tab, exact=True)).to_be_visible()
    expect(tabs.get_by_role("link", name="Users", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    pool = IdentityPool.objects.get(workspace=workspace, name="Customers")
    assert pool.description == "People who buy from the shop"

    # Add a user with Set credentials: click Create User (the page head's button;
    # the empty state links to it too) and fill in the form.
    create_user = page.get_by_role("link", name="Create User", exact=True)
    expect(create_user).to_have_count(2)
    create_user.first.click()
    expect(page.get_by_role("heading", name="Create User")).to_be_visible()
    fill_user(page, "ann.lee@example.com", "Ann", "Lee")
    page.get_by_role("radio", name=SET_CREDENTIALS).check()
    page.get_by_label("Password", exact=True).fill(USER_PASSWORD)
    page.get_by_label("Confirm password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Create", exact=True).click()

    expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("User created and active.")
    expect(page.get_by_role("heading", name="Ann Lee")).to_contain_text("Active")
    expect(
        page.get_by_role("cell", name="ann.lee@example.com", exact=True)
    ).to_be_visible()
    ann = PoolUser.objects.get(pool=pool, display_name="Ann Lee")
    assert page.url.endswith(f"/users/{ann.pk}/")

    # Add a user with Send invitation: go to the Users tab, click Create User.
    tabs.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_text("1 user in this pool.")).to_be_visible()
    page.get_by_role("link", name="Create User", exact=True).click()
    fill_user(page, "bo.chen@example.com", "Bo", "Chen")
    page.get_by_role("radio", name=SEND_INVITATION).check()
    expect(page.get_by_label("Password", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Create", exact=True).click()

    expect(page.get_by_role("heading", name="Bo Chen")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "User created. An invitation was sent to bo.chen@example.com."
    )
    expect(page.get_by_role("heading", name="Bo Chen")).to_contain_text("New")
    expect(page.get_by_role("button", name="Resend invitation")).to_be_visible()
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["bo.chen@example.com"]
    # The link's page (registration) is the sign-up issue's; here: a link was sent.
    assert "http://" in invitation.body and "Bo" in invitation.body
    bo = PoolUser.objects.get(pool=pool, display_name="Bo Chen")

    # Add a group: go to the Groups tab, click Create Group, name and description.
    tabs.get_by_role("link", name="Groups", exact=True).click()
    expect(tabs.get_by_role("link", name="Groups", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("link", name="Create Group").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("IT Admins")
    page.get_by_label("Description").fill("Administrators of the customer portal")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="IT Admins")).to_be_visible()
    expect(page.get_by_text("0 members.")).to_be_visible()

    # Select the group and click Assign Users; tick both users; Assign.
    page.get_by_role("link", name="Assign Users").click()
    expect(
        page.get_by_role("heading", name="Assign Users to IT Admins")
    ).to_be_visible()
    page.get_by_role("checkbox", name="Select Ann Lee").check()
    page.get_by_role("checkbox", name="Select Bo Chen").check()
    page.get_by_role("button", name="Assign", exact=True).click()

    expect(page.get_by_role("heading", name="IT Admins")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Assigned 2 users to the group.")
    expect(page.get_by_text("2 members.")).to_be_visible()
    members = page.get_by_role("table")
    expect(members.get_by_role("link", name="ann.lee@example.com")).to_be_visible()
    expect(members.get_by_role("link", name="bo.chen@example.com")).to_be_visible()

    # And in the database.
    group = Group.objects.get(pool=pool, name="IT Admins")
    assert group.description == "Administrators of the customer portal"
    assert group.member_count == 2
    assert set(
        GroupMembership.objects.filter(group=group).values_list("user_id", flat=True)
    ) == {ann.pk, bo.pk}
    assert PasswordCredential.objects.filter(user=ann).exists()
    assert not PasswordCredential.objects.filter(user=bo).exists()
    ann.refresh_from_db()
    bo.refresh_from_db()
    assert ann.status == PoolUser.Status.ACTIVE
    assert bo.status == "new"
    pool.refresh_from_db()
    assert pool.user_count == 2


def test_create_user_form_enhancement_and_errors(live_server, page):
    membership = MembershipFactory(role="owner")
    workspace = membership.workspace
    pool = IdentityPoolFactory(workspace=workspace, name="Customers")
    sign_in(page, live_server.url, membership.operator)
    response = page.goto(
        f"{live_server.url}/console/w/{workspace.slug}/pools/{pool.pk}/users/new/"
    )
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Create User")).to_be_visible()

    # console.js (an external file, allowed by the strict CSP) hides the password
    # fields until "Set credentials" is chosen.
    password = page.get_by_label("Password", exact=True)
    confirm = page.get_by_label("Confirm password")
    must_change = page.get_by_label("User must change password at first sign-in")
    expect(page.get_by_role("radio", name=SEND_INVITATION)).to_be_checked()
    for field in (password, confirm, must_change):
        expect(field).to_be_hidden()
    page.get_by_role("radio", name=SET_CREDENTIALS).check()
    for field in (password, confirm, must_change):
        expect(field).to_be_visible()
    page.get_by_role("radio", name=SEND_INVITATION).check()
    for field in (password, confirm, must_change):
        expect(field).to_be_hidden()

    # A bad email: the summary on top (focused by console.js), the message next to
    # the field and tied to it, what was typed kept.
    fill_user(page, "ann@", "Ann", "Lee")
    page.get_by_role("button", name="Create", exact=True).click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem with this form.")
    error = "“ann@” is not an email address. Check it for typos, e.g. name@example.com."
    expect(summary.get_by_role("link", name=f"Email/Mobile: {error}")).to_be_visible()
    expect(page.get_by_text(error, exact=True)).to_be_visible()
    identifier = page.get_by_label("Email/Mobile")
    expect(identifier).to_have_value("ann@")
    expect(identifier).to_have_attribute("aria-invalid", "true")
    expect(identifier).to_have_accessible_description(re.compile(re.escape(error)))
    expect(page.get_by_label("Given name")).to_have_value("Ann")
    expect(page.get_by_label("Family name")).to_have_value("Lee")
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value(
        "Ann Lee"
    )
    # The mode is still "Send invitation", so the passwords stay hidden.
    expect(page.get_by_role("radio", name=SEND_INVITATION)).to_be_checked()
    expect(password).to_be_hidden()
    assert not PoolUser.objects.filter(pool=pool).exists()
    assert mail.outbox == []
