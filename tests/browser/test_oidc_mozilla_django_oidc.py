"""A second relying-party library, mozilla-django-oidc, in a second Django site
(tests/rp_site, its own process and SQLite database), signs a pool user in end
to end: Chromium opens the site's protected page; the library sends it to the
workspace's authorization endpoint (state, nonce, PKCE S256); the user signs in
on the hosted pages; back at the site's callback the library exchanges the
code (client_secret_post), checks the ID token's signature against the JWKS,
calls userinfo and creates its own Django user. Signing out at the site ends
the provider's session too (RP-initiated logout with the stored ID token as
``id_token_hint``): the next visit asks for the password again."""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts.models import SsoSession
from tests.oidc.oidc_helpers import GOOD, make_user, setup_provider

from .oidc_rp import watch_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
# Generous for a 2-core machine: a round trip through both servers, with the
# site's three server-to-server calls, or the site's start with its checks.
ROUND_TRIP_MS = 45_000
START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RelyingPartySite:
    """The rp_site on a loopback port chosen before it starts (its redirect
    URIs must be registered first)."""

    directory: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.directory / "rp.sqlite3"

    @property
    def log(self) -> Path:
        return self.directory / "rp.log"

    def output(self) -> str:
        """The end of the site's log (runserver's requests, the library's
        warnings, tracebacks) for failure messages."""
        return self.log.read_text()[-4000:] if self.log.exists() else ""

    def start(self, oidc: dict[str, str]) -> None:
        """Migrates the site's database, then serves the site until it answers
        (fails with its output if it stops or never does)."""
        environment = {
            **os.environ,
            **oidc,
            "DJANGO_SETTINGS_MODULE": "tests.rp_site.settings",
            "RP_SECRET_KEY": secrets.token_urlsafe(40),
            "RP_DATABASE_URL": f"sqlite:///{self.database}",
            "PYTHONUNBUFFERED": "1",
        }
        environment.pop("DATABASE_URL", None)  # the provider's, not the site's
        django = [sys.executable, "-m", "django"]
        migrated = subprocess.run(
            [*django, "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=START_SECONDS * 2,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*django, "runserver", f"127.0.0.1:{self.port}", "--noreload"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"The site stopped:\n{self.output()}")
            try:
                with requests.Session() as http:
                    status = http.get(self.url + "/", timeout=5).status_code
            except requests.ConnectionError:
                status = None
            if status is not None:
                assert status == 200, self.output()
                return
            if time.monotonic() > deadline:
                pytest.fail(f"The site never answered:\n{self.output()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def users(self) -> list[tuple[str, str]]:
        """(username, email) of the site's own Django users."""
        with sqlite3.connect(self.database) as db:
            return db.execute("SELECT username, email FROM auth_user").fetchall()


@pytest.fixture
def issuer_of(live_server, settings):
    """The provider on the live server: PUBLIC_URL (hence the issuer and the
    endpoints) is its URL."""
    settings.PUBLIC_URL = live_server.url

    def issuer(workspace) -> str:
        return f"{live_server.url}/w/{workspace.slug}"

    return issuer


@pytest.fixture
def rp_site(tmp_path):
    """The relying-party site, not started yet; stopped after the test."""
    site = RelyingPartySite(tmp_path)
    try:
        yield site
    finally:
        site.stop()


def site_settings(issuer: str, application, secret: str, alg: str) -> dict:
    """The site's environment: the endpoints of the provider's discovery
    document, the client's credentials and the ID token's algorithm."""
    with requests.Session() as http:  # closed: no live-server thread kept
        response = http.get(issuer + "/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200, response.text
    metadata = response.json()
    assert alg in metadata["id_token_signing_alg_values_supported"]
    assert "client_secret_post" in metadata["token_endpoint_auth_methods_supported"]
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": metadata["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": metadata["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": metadata["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": metadata["jwks_uri"],
        "OIDC_OP_END_SESSION_ENDPOINT": metadata["end_session_endpoint"],
        "OIDC_RP_CLIENT_ID": application.client_id,
        "OIDC_RP_CLIENT_SECRET": secret,
        "OIDC_RP_SIGN_ALGO": alg,
    }


def reach(page, url: str, site: RelyingPartySite, problems: list[str]) -> None:
    """Waits (generously) until Chromium is at ``url``; fails with where it
    is, the pages' problems and the site's log."""
    try:
        page.wait_for_url(url, timeout=ROUND_TRIP_MS)
    except PlaywrightTimeoutError:
        pytest.fail(
            f"Chromium never reached {url} (at {page.url}): {problems}\n{site.output()}"
        )


def sign_in(page, issuer: str, pool) -> None:
    """The hosted sign-in, from its first page: identifier, then password."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(
        timeout=ROUND_TRIP_MS
    )
    assert page.url.startswith(f"{issuer}/pools/{pool.pk}/signin"), page.url
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_mozilla_django_oidc_signs_in_and_out(issuer_of, rp_site, workspace, page, alg):
    pool, application, secret = setup_provider(
        workspace,
        kind="web",
        redirect_uris=[rp_site.url + "/oidc/callback/"],
        post_logout_redirect_uris=[rp_site.url + "/signed-out/"],
        id_token_alg=alg,
    )
    ann = make_user(pool)
    issuer = issuer_of(workspace)
    rp_site.start(site_settings(issuer, application, secret, alg))
    problems = watch_problems(page)
    hello = rp_site.url + "/hello/"

    # The protected page sends Chromium to the provider, through the library.
    page.goto(hello)
    sign_in(page, issuer, pool)
    reach(page, hello, rp_site, problems)
    expect(page.get_by_role("heading", name="Hello ann@example.com")).to_be_visible()
    # The site's own user, made from the userinfo claims.
    assert [email for _, email in rp_site.users()] == ["ann@example.com"]
    sso = SsoSession.objects.get(user=ann)
    assert sso.ended_at is None

    # Signing out at the site signs out at the provider, then comes back.
    page.get_by_role("button", name="Sign out").click()
    reach(page, rp_site.url + "/signed-out/", rp_site, problems)
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    sso.refresh_from_db()
    assert sso.ended_at is not None

    # Signed out at both: the protected page asks for the password again; the
    # same site user signs back in.
    page.goto(hello)
    sign_in(page, issuer, pool)
    reach(page, hello, rp_site, problems)
    expect(page.get_by_role("heading", name="Hello ann@example.com")).to_be_visible()
    assert len(rp_site.users()) == 1
    assert SsoSession.objects.filter(user=ann, ended_at__isnull=True).count() == 1
    assert problems == []
