"""Tenancy for hosted pages: the workspace is public by its slug (its users reach
its pages without an account), and a pool only through its workspace; missing and
foreign answer 404 alike."""

from __future__ import annotations

from django.http import Http404

from identity_pools.access import pool_access
from workspaces.models import Workspace


def hosted_workspace(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise Http404("No such workspace.")
    return workspace


def hosted_pool(*, workspace: Workspace, pool_id):
    return pool_access(workspace=workspace, pool_id=pool_id, with_policies=True)
