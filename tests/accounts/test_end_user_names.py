"""End users see one name: the workspace's (the operator's brand). The hosted
pages, their titles and every email and SMS to a user name it, never the pool
(an operator's way of dividing users) nor this product; where a user chooses
among pools, each is shown by its connection's display name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from identity_pools.services import users
from oidc.applications import application_create
from oidc.connections import idp_connect
from tests.factories import IdentityPoolFactory, WorkspaceFactory
from tests.oidc.oidc_helpers import ACTOR, REDIRECT, authorize_url

pytestmark = pytest.mark.django_db

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def pool():
    return IdentityPoolFactory(
        workspace=WorkspaceFactory(name="Demo"), name="Customers"
    )


def invite(pool, callbacks, identifier):
    with callbacks(execute=True):
        return users.pool_user_create(
            pool=pool, actor=ACTOR, identifier=identifier, user_data=ANN, mode="invite"
        )


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_invitation_email_and_its_page_name_the_workspace(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    invite(pool, django_capture_on_commit_callbacks, "ann@example.com")
    [email] = mailoutbox
    html_body = email.alternatives[0][0]
    for text in (email.subject, email.body, html_body):
        assert "Demo" in text and "Customers" not in text
    link = re.search(r"(http://\S+/invitation/\S+/)", email.body).group(1)
    page = client.get(link.removeprefix("http://localhost:8000"))
    assert page.status_code == 200
    html = page.content.decode()
    assert title(html) == "Create your account · Demo"
    assert '<p class="brand">Demo</p>' in html
    assert "Customers" not in html and "Identity Pools" not in html


def test_invitation_sms_names_the_workspace_and_the_real_expiry(
    pool, sms_outbox, django_capture_on_commit_callbacks
):
    user = invite(pool, django_capture_on_commit_callbacks, "+14155550123")
    [sms] = sms_outbox
    assert "Demo" in sms.body and "Customers" not in sms.body
    expires_at = user.codes.get().expires_at
    assert expires_at.strftime("%Y-%m-%d") in sms.body


def test_no_message_or_hosted_page_names_the_pool():
    """Every template an end user reads (hosted and provider pages, emails and
    SMS to pool users) names the workspace, not the pool."""
    read_by_users = [
        path
        for folder in ("hosted", "oidc", "emails", "sms")
        for path in (TEMPLATES / folder).iterdir()
        # Not operators' (workspace invitations, the provider's console screens).
        if path.is_file() and not path.name.startswith("workspace_invitation")
    ]
    assert len(read_by_users) > 60
    naming_the_pool = [
        path.name for path in read_by_users if "pool.name" in path.read_text()
    ]
    assert naming_the_pool == []


def test_choosing_a_pool_shows_the_connections_display_names(client, pool):
    workspace = pool.workspace
    staff = IdentityPoolFactory(workspace=workspace, name="Employees")
    shoppers = idp_connect(
        workspace=workspace, actor=ACTOR, pool=pool, display_name="Shoppers"
    )
    team = idp_connect(
        workspace=workspace, actor=ACTOR, pool=staff, display_name="Team"
    )
    application, _ = application_create(
        workspace=workspace,
        actor=ACTOR,
        name="Shop",
        kind="web",
        redirect_uris=[REDIRECT],
        connections=[shoppers, team],
    )
    page = client.get(authorize_url(workspace, application))
    html = page.content.decode()
    assert title(html) == "Choose how to sign in · Demo"
    choices = re.findall(
        r'<a class="button" href="([^"]+)">Sign in with ([^<]+)</a>', html
    )
    assert [name for _, name in choices] == ["Shoppers", "Team"]
    assert choices[0][0].startswith(
        reverse("hosted:sign_in", args=[workspace.slug, pool.pk])
    )
