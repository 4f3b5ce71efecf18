from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, OperatorFactory
from workspaces.models import Membership, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_create_workspace(live_server, page):
    operator = OperatorFactory(email="ops@example.com")
    page.goto(f"{live_server.url}/console/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill("a wrong password, surely")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Workspaces").wait_for()

    page.get_by_role("link", name="Create workspace").click()
    page.get_by_label("Name").fill("Acme Retail")
    page.get_by_label("Slug").fill("acme-retail")
    page.get_by_label("Description").fill("Customers of the Acme shop")
    page.get_by_role("button", name="Create").click()
    page.get_by_role("heading", name="Acme Retail").wait_for()
    assert page.url.endswith("/console/w/acme-retail/")
    # The dashboard's recent activity reads as a sentence, not an event code.
    expect(page.get_by_text("created the workspace")).to_be_visible()

    workspace = Workspace.objects.get(slug="acme-retail")
    assert Membership.objects.get(workspace=workspace).operator == operator
