"""An operator reads the workspace's activity as sentences and filters it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from identity_pools.services import groups as group_services
from identity_pools.services import users as user_services
from identity_pools.services.pools import pool_create
from tests.factories import PASSWORD, MembershipFactory, PoolUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_reads_and_filters_activity(live_server, page):
    owner = MembershipFactory(operator__email="demo@example.com").operator
    workspace = owner.memberships.get().workspace
    pool = pool_create(workspace=workspace, actor=owner, name="Customers")
    ann = PoolUserFactory(pool=pool, email="ann@example.com", display_name="Ann Lee")
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    group = group_services.group_create(pool=pool, actor=owner, name="Admins")
    group_services.group_assign_users(group=group, actor=owner, user_ids=[ann.pk])

    page.goto(f"{live_server.url}/console/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Password")).to_have_count(0)  # signed in
    page.goto(f"{live_server.url}/console/w/{workspace.slug}/activity/")

    table = page.locator("table.events")
    expect(table).to_contain_text(
        "demo@example.com deactivated Ann Lee (ann@example.com) in Customers."
    )
    expect(table).to_contain_text("Status: active → inactive")
    expect(table).to_contain_text("added 1 user to the group Admins in Customers")
    expect(table).not_to_contain_text("pool_user.deactivated")

    page.get_by_label("Kind of event").select_option(label="Groups")
    page.get_by_role("button", name="Filter").click()
    assert "kind=groups" in page.url
    expect(table).to_contain_text("created the group Admins")
    expect(table).not_to_contain_text("deactivated")

    page.get_by_label("Object id").fill("not an id")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter an object id")

    page.get_by_label("Object id").fill(str(ann.pk))
    page.get_by_label("Kind of event").select_option(label="Any kind")
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("deactivated Ann Lee")
    expect(table).to_contain_text("added 1 user to the group Admins")
    expect(table).not_to_contain_text("created the group")

    page.get_by_role("link", name="Ann Lee (ann@example.com)").first.click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("section[aria-labelledby=history-h] table")).to_contain_text(
        "added 1 user to the group Admins in Customers"
    )
