"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"Chromium is missing at {CHROMIUM}; under CI browser tests must run."
            )
        pytest.skip(
            f"NOTICE: no Chromium at {CHROMIUM}; install Debian's chromium package."
        )
    from playwright.sync_api import expect, sync_playwright

    # A sign-in checks an Argon2id hash and the suite runs on two workers: on a
    # busy machine a page can take longer than expect's 5 s default, as it can
    # than a page action's (15 s, below).
    expect.set_options(timeout=15_000)

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between browser steps are ordinary blocking calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
