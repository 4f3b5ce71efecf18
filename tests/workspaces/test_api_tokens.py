"""Workspace → API tokens in the console, and manage.py create_api_token."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from workspaces.models import ApiToken, Role

pytestmark = pytest.mark.django_db


def url(workspace, name, *args):
    return reverse(f"workspaces:{name}", args=[workspace.slug, *args])


def test_create_shows_the_secret_once_and_it_works(owner_client, workspace):
    page = owner_client.get(url(workspace, "api_token_list")).content.decode()
    assert "No tokens yet" in page and "Create token" in page
    response = owner_client.post(
        url(workspace, "api_token_create"),
        {"name": "Migration", "scopes": ["read", "import"], "expires_in_days": "30"},
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("ipt_") and secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.scopes == ["import", "read"] and token.expires_at is not None
    assert secret not in token.token_hash and token.prefix == secret[:10]
    listed = owner_client.get(url(workspace, "api_token_list")).content.decode()
    assert "Migration" in listed and secret not in listed and token.prefix in listed
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/pools").status_code == 200
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.details == {"name": "Migration", "scopes": ["import", "read"]}


def test_create_refuses_bad_input(owner_client, workspace):
    response = owner_client.post(
        url(workspace, "api_token_create"), {"name": " ", "scopes": []}
    )
    errors = response.context["form"].errors.as_data()
    assert set(errors) == {"name", "scopes"}
    nul = owner_client.post(
        url(workspace, "api_token_create"), {"name": "a\x00b", "scopes": ["read"]}
    )
    assert nul.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_stops_the_token(owner_client, workspace):
    response = owner_client.post(
        url(workspace, "api_token_create"), {"name": "T", "scopes": ["read"]}
    )
    secret, token = response.context["secret"], ApiToken.objects.get()
    page = owner_client.get(url(workspace, "api_token_revoke", token.pk))
    assert "Revoke the token" in page.content.decode()
    assert (
        owner_client.post(url(workspace, "api_token_revoke", token.pk)).status_code
        == 302
    )
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/pools").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_viewers_see_tokens_but_cannot_create_or_revoke(
    client, workspace, member_of, owner
):
    from workspaces.api_tokens import api_token_create

    token, _ = api_token_create(
        workspace=workspace, actor=owner, name="CI", scopes=["read"]
    )
    client.force_login(member_of(workspace, Role.VIEWER))
    page = client.get(url(workspace, "api_token_list")).content.decode()
    assert "CI" in page and "Create token</a>" not in page
    refused = client.post(
        url(workspace, "api_token_create"), {"name": "X", "scopes": ["read"]}
    )
    assert refused.status_code == 403
    assert client.post(url(workspace, "api_token_revoke", token.pk)).status_code == 403
    assert ApiToken.objects.count() == 1


def test_the_command_prints_the_secret_alone_on_the_last_line(workspace):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "--workspace",
        workspace.slug,
        "--name",
        "Script",
        "--scopes",
        "read,write,import",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("ipt_") and "Script" in err.getvalue()
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/pools").status_code == 200
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command(
            "create_api_token",
            "--workspace",
            workspace.slug,
            "--name",
            "X",
            "--scopes",
            "read,admin",
        )
    with pytest.raises(CommandError, match="No workspace"):
        call_command("create_api_token", "--workspace", "nope", "--name", "X")
