"""Reads of workspaces, memberships and audit events."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import AuditEvent

from .models import Membership, Workspace, WorkspaceInvitation


def workspace_list_for_operator(*, operator) -> QuerySet[Membership]:
    """The operator's memberships with their workspaces, by workspace name."""
    return (
        Membership.objects.filter(operator=operator)
        .select_related("workspace")
        .order_by("workspace__name", "workspace__slug")
    )


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.for_workspace(workspace)
        .select_related("operator")
        .order_by("operator__email")
    )


def membership_count(*, workspace: Workspace) -> int:
    """How many operators are members of ``workspace``."""
    return Membership.objects.filter(workspace=workspace).count()


def invitation_list_open(*, workspace: Workspace) -> QuerySet[WorkspaceInvitation]:
    return (
        WorkspaceInvitation.objects.for_workspace(workspace)
        .pending()
        .select_related("invited_by")
    )


def audit_event_list(*, workspace: Workspace) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_workspace(workspace).order_by("-created_at", "-id")
