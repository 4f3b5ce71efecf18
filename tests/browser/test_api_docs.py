"""The API's interactive reference (/api/v1/docs) under the site's strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_reference_renders_without_csp_violations(live_server, page):
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text) if msg.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # A listener set before any script runs records every violation event.
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]

    expect(page.get_by_text("Identity Pools API").first).to_be_visible()
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 20
    expect(
        page.locator(
            ".opblock-summary-path", has_text="/api/v1/pools/{pool_id}/users"
        ).first
    ).to_be_visible()
    # Open one operation: its parameters and responses render (more UI code runs).
    page.locator(
        ".opblock-summary", has_text="/api/v1/pools/{pool_id}/users"
    ).first.click()
    expect(page.get_by_text("Parameters").first).to_be_visible()

    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp") == []
    assert problems == []
