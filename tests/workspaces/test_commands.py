from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from workspaces.models import Membership, Workspace

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "a long enough passphrase 2026"
ROOT = Path(__file__).resolve().parent.parent.parent


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_workspace_is_idempotent():
    assert "Created" in run("create_workspace", "--name", "Acme", "--slug", "acme")
    assert "already exists" in run(
        "create_workspace", "--name", "Acme", "--slug", "acme"
    )
    assert Workspace.objects.filter(slug="acme").count() == 1
    assert AuditEvent.objects.filter(action="workspace.created").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Acme", "--slug", "Bad Slug"], "not a valid slug"),
        (["--name", "Acme", "--slug", "Acme"], "capitals"),
        (["--name", "  ", "--slug", "acme"], "empty"),
        (["--name", "x" * 101, "--slug", "acme"], "name"),
    ],
)
def test_create_workspace_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_workspace", *args)
    assert not Workspace.objects.exists()


def test_create_operator_with_workspace_is_idempotent():
    run("create_workspace", "--name", "Acme", "--slug", "acme")
    args = [
        "create_operator",
        "--email",
        "Ops@Example.com",
        "--password",
        GOOD_PASSWORD,
    ]
    assert "Created operator ops@example.com" in run(
        *args, "--workspace", "acme", "--role", "admin"
    )
    assert "already exists" in run(*args, "--workspace", "acme", "--role", "admin")
    membership = Membership.objects.get()
    assert (membership.operator.email, membership.role) == ("ops@example.com", "admin")
    run(*args, "--workspace", "acme", "--role", "owner")
    membership.refresh_from_db()
    assert membership.role == "owner"
    assert membership.operator.check_password(GOOD_PASSWORD)


def test_create_superuser():
    run(
        "create_operator",
        "--email",
        "root@example.com",
        "--password",
        GOOD_PASSWORD,
        "--superuser",
    )
    from django.contrib.auth import get_user_model

    op = get_user_model().objects.get()
    assert op.is_superuser and op.is_staff
    assert op.password.startswith("argon2id$")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--password", GOOD_PASSWORD], "not an email"),
        (["--email", "a@example.com", "--password", "short"], "too short"),
        (["--email", "a@example.com", "--password", "x" * 200], "too long"),
        (
            [
                "--email",
                "a@example.com",
                "--password",
                GOOD_PASSWORD,
                "--workspace",
                "nope",
            ],
            "No workspace",
        ),
        (
            [
                "--email",
                "a@example.com",
                "--password",
                GOOD_PASSWORD,
                "--role",
                "admin",
            ],
            "needs --workspace",
        ),
    ],
)
def test_create_operator_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_operator", *args)
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_create_operator_bad_role_exits_nonzero():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create_operator",
            "--email",
            "a@example.com",
            "--password",
            GOOD_PASSWORD,
            "--workspace",
            "x",
            "--role",
            "god",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "invalid choice" in result.stderr


def test_bootstrap_demo_prints_credentials_once():
    out = run("bootstrap_demo")
    assert "demo@example.com" in out and "Password:" in out
    password = out.split("Password:")[1].split()[0]
    from django.contrib.auth import get_user_model

    demo = get_user_model().objects.get(email="demo@example.com")
    assert demo.check_password(password)
    assert Membership.objects.get(operator=demo).workspace.slug == "demo"
    assert "Password:" not in run("bootstrap_demo")


def test_bootstrap_demo_works_whatever_the_password_starts_with(monkeypatch):
    """The generated password starts with "-" about once in 64 runs; argparse must
    never see it as an option."""
    from accounts.management.commands import bootstrap_demo

    monkeypatch.setattr(
        bootstrap_demo.secrets, "token_urlsafe", lambda n: "-starts-with-a-dash-x"
    )
    out = run("bootstrap_demo")
    assert "Password: -starts-with-a-dash-x" in out
    from django.contrib.auth import get_user_model

    demo = get_user_model().objects.get(email="demo@example.com")
    assert demo.check_password("-starts-with-a-dash-x")


@pytest.mark.parametrize(
    ("email_url", "sms_backend", "told"),
    [
        ("consolemail://", "ConsoleBackend", ["this terminal", "this terminal"]),
        ("filemail:///var/mail/ip", "FileBackend", ["/var/mail/ip", "/tmp/sms.jsonl"]),
        ("smtp://mail.example.com:2525", "ConsoleBackend", ["mail.example.com:2525"]),
    ],
)
def test_bootstrap_demo_says_where_mail_and_sms_go(
    settings, email_url, sms_backend, told
):
    """make run prints where invitations and codes go, under EMAIL_URL and
    SMS_BACKEND, the first time and every time after."""
    from config.mail import mailers_from_url

    settings.MAILERS = mailers_from_url(email_url)
    settings.SMS_BACKEND = f"core.delivery.sms.{sms_backend}"
    settings.SMS_FILE_PATH = "/tmp/sms.jsonl"
    for out in (run("bootstrap_demo"), run("bootstrap_demo")):
        mail_line, sms_line = (
            line for line in out.splitlines() if "EMAIL_URL" in line or "SMS_" in line
        )
        assert told[0] in mail_line
        if len(told) > 1:
            assert told[1] in sms_line


def test_bootstrap_demo_prints_addresses_that_work_on_any_port(settings, client):
    """Whatever port make run serves (PUBLIC_URL follows PORT), every address
    printed is on it and answers."""
    settings.PUBLIC_URL = "http://localhost:9123"
    for out in (run("bootstrap_demo"), run("bootstrap_demo")):
        addresses = re.findall(r"https?://\S+[^\s.,)]", out)
        assert addresses
        for address in addresses:
            assert address.startswith("http://localhost:9123/"), address
            path = address.removeprefix("http://localhost:9123")
            assert client.get(path).status_code in (200, 302), address


def test_make_run_serves_and_prints_on_its_port():
    """``make run PORT=9123``: the server listens on 9123 and PUBLIC_URL, which
    every printed address and every link in messages use, says 9123."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PUBLIC_URL", "PORT"}
    }
    result = subprocess.run(
        ["make", "-n", "run", "PORT=9123"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if "manage.py" in line]
    bootstrap = next(line for line in lines if "bootstrap_demo" in line)
    serve = next(line for line in lines if "runserver" in line)
    assert "PUBLIC_URL=http://localhost:9123 " in bootstrap
    assert "PUBLIC_URL=http://localhost:9123 " in serve and serve.endswith(":9123")
    assert "8000" not in result.stdout


def test_create_operator_needs_a_password_only_when_creating():
    with pytest.raises(CommandError, match="--password is needed"):
        call_command("create_operator", "--email", "new@example.com")
    run("create_operator", "--email", "new@example.com", f"--password=-{GOOD_PASSWORD}")
    assert "already exists" in run("create_operator", "--email", "new@example.com")
