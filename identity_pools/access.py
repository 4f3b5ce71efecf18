"""Tenancy below the workspace: pools, users and groups are looked up only through
their parent, and answer 404 for missing and foreign alike (see workspaces.access)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404

from workspaces.models import Workspace

from .models import Group, Identifier, IdentityPool, PoolUser, UserSchema


def _get(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def pool_access(*, workspace: Workspace, pool_id: uuid.UUID) -> IdentityPool:
    """The pool ``pool_id`` of ``workspace`` (404 when missing or foreign), with its
    schemas."""
    pool = _get(
        IdentityPool.objects.for_workspace(workspace).select_related(
            "user_schema", "metadata_schema"
        ),
        pool_id,
    )
    pool.workspace = workspace
    return pool


def pool_user_access(*, pool: IdentityPool, user_id: uuid.UUID) -> PoolUser:
    user = _get(PoolUser.objects.for_pool(pool), user_id)
    user.pool = pool
    return user


def group_access(*, pool: IdentityPool, group_id: uuid.UUID) -> Group:
    group = _get(Group.objects.for_pool(pool), group_id)
    group.pool = pool
    return group


def identifier_access(*, user: PoolUser, identifier_id: uuid.UUID | str) -> Identifier:
    """``user``'s identifier ``identifier_id`` (a UUID, or any text: a form's
    or a query string's), with its user set; another user's, a missing one and
    text that is no id alike are 404 (the console, the API, the user's own
    account page)."""
    identifier = _get(user.identifiers.all(), identifier_id)
    identifier.user = user
    return identifier


def schema_access(*, workspace: Workspace, schema_id: uuid.UUID) -> UserSchema:
    return _get(UserSchema.objects.for_workspace(workspace), schema_id)
