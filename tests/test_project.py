"""Project-wide properties: production settings, security headers, email config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from config.mail import mailers_from_url

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_passes_in_production():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x7Gk2pQ9vL4mN8rT1wY6zB3cF5hJ0dS-aE_uI9oP2lK4jH7gF-q8",
        "DJANGO_ALLOWED_HOSTS": "id.example.com",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    }
    env.pop("DJANGO_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixture
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_quick_start_on_sqlite_checks_clean(tmp_path):
    """``make run`` migrates SQLite and starts: no warning on the way (SQLite
    lacks covering indexes, which PostgreSQL's search indexes use)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/quick.sqlite3"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "W040" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_ALLOWED_HOSTS": "x",
        "EMAIL_URL": "smtp://smtp.example.com",
    }
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("consolemail://", "core.delivery.email.ConsoleEmailBackend", {}),
        (
            "filemail:///var/mail/ip",
            "filebased.EmailBackend",
            {"file_path": "/var/mail/ip"},
        ),
        (
            "smtp+tls://user:secret@mail.example.com:587",
            "smtp.EmailBackend",
            {
                "host": "mail.example.com",
                "port": 587,
                "username": "user",
                "password": "secret",
                "use_tls": True,
            },
        ),
    ],
)
def test_email_url_becomes_mailers(url, backend, options):
    mailers = mailers_from_url(url)
    assert mailers["default"]["BACKEND"].endswith(backend)
    assert mailers["default"]["OPTIONS"] == options


@pytest.mark.django_db
def test_strict_csp_and_no_inline_script(client, operator):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    client.force_login(operator)
    for url in [reverse("workspaces:workspace_list"), reverse("accounts:two_factor")]:
        html = client.get(url).content.decode()
        # Every <script> loads a file; no inline code, no inline event handlers.
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
        assert not re.search(r"\son[a-z]+=", html)
        assert "style=" not in html


@pytest.mark.django_db
def test_every_form_has_csrf_token(client, operator):
    client.force_login(operator)
    html = client.get(reverse("accounts:two_factor")).content.decode()
    assert html.count("<form") == html.count("csrfmiddlewaretoken")


@pytest.mark.django_db
def test_forms_label_every_input(client, operator):
    client.force_login(operator)
    html = client.get(reverse("workspaces:workspace_create")).content.decode()
    for input_id in re.findall(r'<(?:input|textarea|select)[^>]*id="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


def test_csrf_enforced_on_login():
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(
        reverse("accounts:login"), {"email": "a@b.c", "password": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "algorithm", ["bcrypt_sha256", "bcrypt", "pbkdf2_sha256", "scrypt", "argon2"]
)
def test_every_configured_hasher_verifies_its_hashes(algorithm):
    """Imported hashes (bcrypt needs the bcrypt package) verify, and are not the
    preferred hasher, so check_password asks to store a new hash."""
    from django.contrib.auth.hashers import (
        check_password,
        identify_hasher,
        make_password,
    )

    encoded = make_password("correct horse battery staple", hasher=algorithm)
    assert identify_hasher(encoded).algorithm == algorithm
    assert check_password("correct horse battery staple", encoded)
    assert not check_password("wrong horse battery staple", encoded)
    upgraded = []
    check_password("correct horse battery staple", encoded, upgraded.append)
    assert upgraded == ["correct horse battery staple"]


def test_production_lock_has_no_test_tools():
    production = (ROOT / "requirements.lock").read_text()
    development = (ROOT / "requirements-dev.lock").read_text()
    for tool in ("pytest", "playwright", "ruff", "factory-boy", "import-linter"):
        assert f"\n{tool}==" not in production
        assert f"\n{tool}==" in development
    assert "\nbcrypt==" in production


def test_console_email_prints_links_whole(settings, capsys):
    """make run's console email: a long link is printed as one line, usable as
    printed (MIME's quoted-printable would cut it with "=")."""
    from core.delivery.email import send_templated_email

    settings.MAILERS = mailers_from_url("consolemail://")
    link = "http://localhost:9000/w/demo/invitation/" + "x" * 43 + "/"

    class Pool:
        name = "Customers"

        class workspace:
            name = "Demo"

    from datetime import UTC, datetime

    assert send_templated_email(
        to="ann@example.com",
        template="pool_invitation",
        context={
            "pool": Pool,
            "name": "Ann",
            "link": link,
            "expires_at": datetime.now(UTC),
        },
    )
    printed = capsys.readouterr().out
    assert link in printed.splitlines()
    assert "Email to ann@example.com" in printed


def test_smtp_gets_the_timeout_and_other_mailers_do_not():
    smtp = mailers_from_url("smtp://mail.example.com:25", timeout=10.0)
    assert smtp["default"]["OPTIONS"]["timeout"] == 10.0
    console = mailers_from_url("consolemail://", timeout=10.0)
    assert "timeout" not in console["default"]["OPTIONS"]


def test_a_mail_server_that_never_answers_costs_the_timeout_only(settings, caplog):
    """A server that accepts the connection and says nothing: the message counts
    as not sent after EMAIL_TIMEOUT, instead of holding the request."""
    import socket
    import time

    from core.delivery.email import send_templated_email

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        port = silent.getsockname()[1]
        settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{port}", timeout=0.5)
        start = time.monotonic()
        sent = send_templated_email(
            to="ann@example.com",
            template="sign_in_code",
            context={"code": "123456", "expires_at": None, "pool": None},
        )
        took = time.monotonic() - start
    finally:
        silent.close()
    assert sent is False
    assert took < 5
    assert "Could not send sign_in_code email" in caplog.text
