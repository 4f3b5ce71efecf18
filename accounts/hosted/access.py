"""Tenancy for hosted pages: the workspace is public by its slug (its users reach
its pages without an account), and a pool only through its workspace; missing and
foreign answer 404 alike."""

from __future__ import annotations

from django.http import Http404

from identity_pools.models import IdentityPool
from workspaces.models import Workspace


def hosted_workspace(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise Http404("No such workspace.")
    return workspace


def hosted_pool(*, slug: str, pool_id) -> IdentityPool:
    """The pool ``pool_id`` of the workspace ``slug``, with its workspace and
    policies in one query (the hosted pages run it on every request). 404
    when either is missing, or the pool is another workspace's."""
    pool = (
        IdentityPool.objects.filter(workspace__slug=slug, pk=pool_id)
        .select_related("workspace", "password_policy", "sign_in_policy")
        .first()
    )
    if pool is None:
        raise Http404("No such pool.")
    return pool
