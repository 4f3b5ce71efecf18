"""Tenancy in one place: the only way console code turns a URL slug into a workspace.

``workspace_access`` answers 404 for a workspace that does not exist and for one the
operator is not a member of alike, so a URL never tells a stranger that a workspace
exists. Deeper objects are then looked up through the workspace
(``workspace.pools.get(...)``), never by id alone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Role, Workspace


def workspace_access(*, actor, slug: str, min_role: str = Role.VIEWER) -> Workspace:
    """The workspace ``slug`` as seen by ``actor``, with ``workspace.membership`` set.

    Raises Http404 when the workspace is missing or ``actor`` is not a member, and
    PermissionDenied when the member's role is below ``min_role``.
    """
    if not getattr(actor, "is_authenticated", False):
        raise Http404
    membership = (
        Membership.objects.select_related("workspace")
        .filter(operator=actor, workspace__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404("No such workspace.")
    if not membership.allows(min_role):
        raise PermissionDenied("Your role in this workspace does not allow this.")
    workspace = membership.workspace
    workspace.membership = membership
    return workspace
