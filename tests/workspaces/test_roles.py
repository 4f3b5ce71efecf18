"""Role matrix: owner / admin / viewer x each console action of a workspace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import MembershipFactory
from workspaces.models import Role
from workspaces.services import member_invite

pytestmark = pytest.mark.django_db

ALL = {Role.OWNER, Role.ADMIN, Role.VIEWER}
OWNER = {Role.OWNER}


def _setup(workspace):
    owner = MembershipFactory(workspace=workspace, role=Role.OWNER)
    other = MembershipFactory(workspace=workspace, role=Role.VIEWER)
    invitation = member_invite(
        workspace=workspace,
        actor=owner.operator,
        email="invitee@example.com",
        role="viewer",
    )
    return {"membership": other.pk, "invitation": invitation.pk}


ACTIONS = [
    # (action, method, url name, extra kwarg, POST data, roles allowed)
    ("see dashboard", "get", "workspace_dashboard", None, None, ALL),
    ("see settings", "get", "workspace_settings", None, None, ALL),
    ("see members", "get", "member_list", None, None, ALL),
    ("see activity", "get", "activity", None, None, ALL),
    (
        "rename workspace",
        "post",
        "workspace_settings",
        None,
        {"name": "Renamed", "description": ""},
        OWNER,
    ),
    (
        "invite operator",
        "post",
        "member_list",
        None,
        {"email": "x@example.com", "role": "viewer"},
        OWNER,
    ),
    ("change role", "post", "membership_role", "membership", {"role": "admin"}, OWNER),
    ("remove member", "post", "membership_remove", "membership", {}, OWNER),
    ("revoke invitation", "post", "invitation_revoke", "invitation", {}, OWNER),
]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.VIEWER])
@pytest.mark.parametrize(
    ("action", "method", "name", "extra", "data", "allowed"),
    ACTIONS,
    ids=[a[0] for a in ACTIONS],
)
def test_role_matrix(
    client, workspace, role, action, method, name, extra, data, allowed
):
    objects = _setup(workspace)
    actor = MembershipFactory(workspace=workspace, role=role).operator
    client.force_login(actor)
    kwargs = {"workspace": workspace.slug}
    if extra:
        kwargs[extra] = objects[extra]
    before = AuditEvent.objects.count()
    response = getattr(client, method)(
        reverse(f"workspaces:{name}", kwargs=kwargs), data or {}
    )
    if role not in allowed:
        assert response.status_code == 403
        assert AuditEvent.objects.count() == before
    elif method == "get":
        assert response.status_code == 200
    else:
        # Done (redirect after POST) and recorded: a form shown again with errors
        # would be 200 and write nothing.
        assert response.status_code == 302, response.content[:500]
        assert AuditEvent.objects.count() > before
