"""Rough edges of the guide's screens (issue 12, item 3), in Chromium: where an
operator lands, the folded optional fields of Create User, Assign Users with nothing
ticked, a viewer's read-only pages, and the console on a phone.

Screenshots go to ``$SCREENSHOT_DIR`` when set (for the closing note), else to the
test's temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    GroupFactory,
    IdentityPoolFactory,
    MembershipFactory,
    PoolUserFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def sign_in(page, base_url, operator) -> None:
    page.goto(f"{base_url}/console/login/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_one_workspace_operator_lands_in_it(live_server, page, shots):
    membership = MembershipFactory(role="owner", workspace__name="Acme Retail")
    sign_in(page, live_server.url, membership.operator)
    expect(page.get_by_role("heading", name="Acme Retail", level=1)).to_be_visible()
    assert page.url.endswith(f"/console/w/{membership.workspace.slug}/")
    shots(page, "landing-one-workspace")

    # "/" lands there too; "All workspaces" still lists them.
    page.goto(f"{live_server.url}/")
    assert page.url.endswith(f"/console/w/{membership.workspace.slug}/")
    page.locator("summary[aria-label='Switch workspace']").click()
    page.get_by_role("link", name="All workspaces").click()
    expect(page.get_by_role("heading", name="Workspaces")).to_be_visible()

    # With a second workspace, sign-in shows the list.
    MembershipFactory(operator=membership.operator, workspace__name="Beta Shop")
    page.context.clear_cookies()
    sign_in(page, live_server.url, membership.operator)
    expect(page.get_by_role("heading", name="Workspaces")).to_be_visible()


def test_create_user_folds_optional_fields(live_server, page, shots):
    membership = MembershipFactory(role="owner")
    pool = IdentityPoolFactory(workspace=membership.workspace)
    sign_in(page, live_server.url, membership.operator)
    page.goto(
        f"{live_server.url}/console/w/{membership.workspace.slug}/pools/{pool.pk}"
        "/users/new/"
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    more = page.locator("details.more-fields")
    expect(more.locator("summary")).to_have_text("More fields")
    expect(more).not_to_have_attribute("open", "")
    # Required fields stay visible; optional ones are folded away.
    expect(page.get_by_label("Given name")).to_be_visible()
    expect(page.get_by_label("Nickname")).to_be_hidden()
    # "Mode" starts within a 1080 px screen, and the submit button is a short
    # scroll below it (with every optional field shown it was past 1,900 px).
    shots(page, "create-user-folded")
    mode = page.get_by_role("group", name="Mode")
    mode_box = mode.bounding_box()
    assert mode_box is not None and mode_box["y"] <= 1080, mode_box
    create = page.get_by_role("button", name="Create", exact=True)
    box = create.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1250, box

    # An error inside the fold opens it.
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_label("Given name").fill("Ann")
    page.get_by_label("Family name").fill("Lee")
    page.get_by_role("textbox", name="Name", exact=True).fill("Ann Lee")
    more.locator("summary").click()
    page.get_by_label("Website").fill("not a web address")
    create.click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator("details.more-fields")).to_have_attribute("open", "")
    expect(page.get_by_label("Website")).to_be_visible()
    shots(page, "create-user-error-in-fold")


def test_assign_users_with_nothing_ticked(live_server, page, shots):
    membership = MembershipFactory(role="owner")
    pool = IdentityPoolFactory(workspace=membership.workspace)
    PoolUserFactory(pool=pool)
    group = GroupFactory(pool=pool, name="IT Admins")
    sign_in(page, live_server.url, membership.operator)
    page.goto(
        f"{live_server.url}/console/w/{membership.workspace.slug}/pools/{pool.pk}"
        f"/groups/{group.pk}/assign/"
    )
    page.get_by_role("button", name="Assign", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("There is a problem")
    expect(alert.get_by_role("listitem")).to_have_count(1)
    expect(alert).to_contain_text("Choose at least one user.")
    shots(page, "assign-nothing-ticked")


def test_viewer_sees_read_only_pages(live_server, page, shots):
    workspace = WorkspaceFactory(name="Acme Retail")
    viewer = MembershipFactory(workspace=workspace, role="viewer").operator
    pool = IdentityPoolFactory(workspace=workspace)
    user = PoolUserFactory(pool=pool)
    group = GroupFactory(pool=pool)
    base = f"{live_server.url}/console/w/{workspace.slug}/pools/{pool.pk}"
    sign_in(page, live_server.url, viewer)
    pages = {
        "create-user": f"{base}/users/new/",
        "create-group": f"{base}/groups/new/",
        "assign-users": f"{base}/groups/{group.pk}/assign/",
        "edit-group": f"{base}/groups/{group.pk}/edit/",
        "delete-group": f"{base}/groups/{group.pk}/delete/",
        "pool-settings": f"{base}/settings/",
        "user-page": f"{base}/users/{user.pk}/",
        "user-data": f"{base}/users/{user.pk}/data/",
        "group-page": f"{base}/groups/{group.pk}/",
    }
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, (name, url)
        main = page.locator("main")
        # Search forms (GET) stay; nothing that changes things.
        expect(
            main.locator("button[type=submit]:not(form[method=get] *)")
        ).to_have_count(0)
        expect(main.locator("form[method=post]")).to_have_count(0)
        expect(main.locator("input[type=checkbox]")).to_have_count(0)
        if name == "create-user":
            expect(main.get_by_role("note")).to_contain_text(
                "Your role in this workspace (Viewer) lets you look, not change"
            )
            shots(page, "viewer-create-user")
        if name == "user-page":
            shots(page, "viewer-user-page")


def test_phone_content_starts_within_the_first_screen(live_server, page, shots):
    membership = MembershipFactory(role="owner")
    pool = IdentityPoolFactory(workspace=membership.workspace)
    PoolUserFactory(pool=pool)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, membership.operator)
    page.goto(
        f"{live_server.url}/console/w/{membership.workspace.slug}/pools/{pool.pk}/users/"
    )
    heading = page.get_by_role("heading", name=pool.name, level=1)
    expect(heading).to_be_visible()
    box = heading.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 / 2, box
    # Nothing is wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shots(page, "phone-users")
    # The navigation is one scrolling row above the content, every link in reach.
    nav = page.get_by_role("navigation", name="Main")
    nav_box = nav.bounding_box()
    assert nav_box is not None and nav_box["height"] <= 60, nav_box
    settings = nav.get_by_role("link", name="Settings")
    settings.scroll_into_view_if_needed()
    expect(settings).to_be_in_viewport()


def test_phone_checkboxes_are_large_enough(live_server, page):
    membership = MembershipFactory(role="owner")
    pool = IdentityPoolFactory(workspace=membership.workspace)
    PoolUserFactory(pool=pool)
    group = GroupFactory(pool=pool)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, membership.operator)
    page.goto(
        f"{live_server.url}/console/w/{membership.workspace.slug}/pools/{pool.pk}"
        f"/groups/{group.pk}/assign/"
    )
    box = page.locator("main input[type=checkbox]").first.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24, box


def _cells_line_up(row) -> None:
    """Every cell of ``row`` has the row's top and height (an Actions cell laid
    out as a flex box instead of a table cell sits apart from its row)."""
    row_box = row.bounding_box()
    cells = row.locator("td")
    for n in range(cells.count()):
        box = cells.nth(n).bounding_box()
        assert abs(box["y"] - row_box["y"]) < 1, (n, box, row_box)
        assert abs(box["height"] - row_box["height"]) < 1, (n, box, row_box)


def test_actions_cells_line_up_with_their_rows(live_server, page, shots):
    membership = MembershipFactory(role="owner")
    MembershipFactory(workspace=membership.workspace, role="viewer")
    pool = IdentityPoolFactory(workspace=membership.workspace)
    user = PoolUserFactory(pool=pool)
    sign_in(page, live_server.url, membership.operator)
    page.goto(
        f"{live_server.url}/console/w/{membership.workspace.slug}/pools/{pool.pk}"
        f"/users/{user.pk}/"
    )
    identifiers = page.get_by_role("region", name="Identifiers").locator("tbody tr")
    expect(identifiers.first.locator("td.actions")).to_contain_text("Mark verified")
    _cells_line_up(identifiers.first)
    shots(page, "user-page-identifiers")
    page.goto(f"{live_server.url}/console/w/{membership.workspace.slug}/members/")
    rows = page.locator("main table").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    for n in range(2):
        _cells_line_up(rows.nth(n))
