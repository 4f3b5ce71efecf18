"""Workspaces' audit events as sentences: the workspace, its members and
invitations, API tokens (registered with ``core.audit_text`` as the app loads;
``apps.py`` imports this module)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.audit_text import Kind, Ref, Target, register

from .models import ApiToken, Membership, WorkspaceInvitation


def _workspace(workspace, ids) -> dict:
    if workspace.pk not in ids:
        return {}
    url = reverse("workspaces:workspace_settings", args=[workspace.slug])
    return {workspace.pk: (Ref(workspace.name, url), None)}


def _members(workspace, ids) -> dict:
    url = reverse("workspaces:member_list", args=[workspace.slug])
    members = Membership.objects.filter(workspace=workspace, pk__in=ids).select_related(
        "operator"
    )
    return {m.pk: (Ref(m.operator.email, url), None) for m in members}


def _invitations(workspace, ids) -> dict:
    url = reverse("workspaces:member_list", args=[workspace.slug])
    invitations = WorkspaceInvitation.objects.filter(
        workspace=workspace, pk__in=ids
    ).only("id", "email")
    return {i.pk: (Ref(i.email, url), None) for i in invitations}


def _api_tokens(workspace, ids) -> dict:
    url = reverse("workspaces:api_token_list", args=[workspace.slug])
    tokens = ApiToken.objects.filter(workspace=workspace, pk__in=ids).only("id", "name")
    return {t.pk: (Ref(t.name, url), None) for t in tokens}


register(
    sentences={
        "workspace.created": "{actor} created the workspace {target}",
        "workspace.updated": "{actor} changed the workspace settings",
        "workspace.audit_purged": "{actor} deleted {deleted:activity event} older "
        "than {days:day}",
        "workspace.activity_exported": "{actor} exported the activity as {format}",
        "invitation.created": "{actor} invited {email} to the workspace",
        "invitation.revoked": "{actor} revoked the invitation of {email}",
        "invitation.accepted": "{actor} accepted the invitation and joined the "
        "workspace",
        "membership.added": "{actor} added {email} to the workspace",
        "membership.role_changed": "{actor} changed the role of {email}",
        "membership.removed": "{actor} removed {email} from the workspace",
        "api_token.created": "{actor} created the API token {target}",
        "api_token.revoked": "{actor} revoked the API token {target}",
    },
    kinds=[
        Kind("applications", _("Applications and tokens"), ("api_token.",), 50),
        Kind("settings", _("Workspace settings"), ("workspace.",), 60),
        Kind(
            "operators", _("Operators and members"), ("membership.", "invitation."), 70
        ),
    ],
    from_to={"membership.role_changed": "Role"},
    labels={
        "role": "Role",
        "token": "Token",
        "slug": "Slug",
        "audit_retention_days": "Keep activity for (days)",
    },
    label_order=1,
    raw=("slug",),
    targets=[
        Target("workspaces.workspace", "workspace", _workspace),
        Target("workspaces.membership", "member", _members),
        Target("workspaces.workspaceinvitation", "invitation", _invitations),
        Target("workspaces.apitoken", "API token", _api_tokens, actor_type="api_token"),
    ],
)
