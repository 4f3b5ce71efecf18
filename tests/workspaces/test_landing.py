"""Where an operator lands: in their workspace when they have exactly one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_operator_with_one_workspace_lands_in_it(client):
    membership = MembershipFactory()
    dashboard = reverse(
        "workspaces:workspace_dashboard", args=[membership.workspace.slug]
    )
    response = client.post(
        reverse("accounts:login"),
        {"email": membership.operator.email, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == dashboard
    assert client.get("/", follow=True).redirect_chain[-1][0] == dashboard
    # The list is still there on request ("All workspaces").
    listed = client.get(reverse("workspaces:workspace_list"), {"all": "1"})
    assert listed.status_code == 200
    assert [m.pk for m in listed.context["memberships"]] == [membership.pk]


def test_operator_with_several_or_no_workspaces_sees_the_list(client, operator):
    client.force_login(operator)
    assert client.get(reverse("workspaces:workspace_list")).status_code == 200
    MembershipFactory(operator=operator)
    MembershipFactory(operator=operator)
    response = client.get(reverse("workspaces:workspace_list"))
    assert response.status_code == 200 and len(response.context["memberships"]) == 2


def test_viewer_sees_read_only_workspace_forms(client, workspace, member_of):
    """Pages that only change things show a viewer why, not a form to fill in."""
    from workspaces.models import Role

    viewer = member_of(workspace, Role.VIEWER)
    client.force_login(viewer)
    membership = workspace.memberships.get(operator=viewer)
    for name, extra in (
        ("workspaces:api_token_create", []),
        ("oidc_console:application_create", []),
        ("workspaces:membership_role", [membership.pk]),
    ):
        url = reverse(name, args=[workspace.slug, *extra])
        response = client.get(url)
        assert response.status_code == 200, name
        main = response.content.decode().split('<main id="main"', 1)[1]
        assert 'method="post"' not in main, name
        assert "lets you look, not change" in main, name
        assert client.post(url, {}).status_code == 403, name
