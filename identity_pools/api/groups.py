"""``/api/v1/pools/{pool_id}/groups``: a pool's groups and their members."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS
from ninja import Field, Router, Schema, Status

from workspaces.api.auth import need
from workspaces.api.shapes import (
    After,
    Body,
    Description,
    Limit,
    Name,
    cursor_decode,
    cursor_encode,
    fields_renamed,
    responses,
)

from .. import selectors
from ..access import group_access, pool_access
from ..models import Group
from ..services import groups as services

router = Router(tags=["groups"])

GROUP = "/{uuid:pool_id}/groups/{uuid:group_id}"
# The membership services' refusals are about the ids the body lists.
ABOUT_USER_IDS = {NON_FIELD_ERRORS: "user_ids"}


class GroupOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    member_count: int
    created_at: datetime
    updated_at: datetime


class GroupPage(Schema):
    items: list[GroupOut]
    next: str | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


class GroupIn(Body):
    name: Name
    description: Description = ""


class GroupPatch(Body):
    """Only the fields given change."""

    name: Name | None = None
    description: Description | None = None


class MembersIn(Body):
    user_ids: list[uuid.UUID] = Field(
        description=f"Users of the pool, at most {services.MAX_USERS_AT_ONCE} at "
        "once. Adding refuses the whole request (`users_not_in_pool`) when one id "
        "is not a user of this pool; removing ignores ids that are not members."
    )


class MembersAdded(Schema):
    added: int = Field(description="Users added (members already are skipped).")
    member_count: int


class MembersRemoved(Schema):
    removed: int
    member_count: int


def _group(request, scope: str, pool_id: uuid.UUID, group_id: uuid.UUID) -> Group:
    pool = pool_access(workspace=need(request, scope), pool_id=pool_id)
    return group_access(pool=pool, group_id=group_id)


@router.get("/{uuid:pool_id}/groups", response=responses({200: GroupPage}))
def group_list(
    request,
    pool_id: uuid.UUID,
    after: After = None,
    limit: Limit = 50,
):
    """The pool's groups by name, a page at a time."""
    pool = pool_access(workspace=need(request, "read"), pool_id=pool_id)
    page = selectors.group_list(pool=pool, cursor=cursor_decode(after), size=limit)
    return {"items": page.items, "next": cursor_encode(page.next_cursor)}


@router.post("/{uuid:pool_id}/groups", response=responses({201: GroupOut}))
def group_create(request, pool_id: uuid.UUID, payload: GroupIn):
    """Create a group ("Create Group"). Refused: `group_name_taken`."""
    pool = pool_access(workspace=need(request, "write"), pool_id=pool_id)
    group = services.group_create(
        pool=pool,
        actor=request.auth,
        name=payload.name,
        description=payload.description,
    )
    return Status(201, group)


@router.get(GROUP, response=responses({200: GroupOut}))
def group_read(request, pool_id: uuid.UUID, group_id: uuid.UUID):
    return _group(request, "read", pool_id, group_id)


@router.patch(GROUP, response=responses({200: GroupOut}))
def group_update(request, pool_id: uuid.UUID, group_id: uuid.UUID, payload: GroupPatch):
    """Rename or describe the group. Refused: `group_name_taken`."""
    group = _group(request, "write", pool_id, group_id)
    return services.group_update(
        group=group,
        actor=request.auth,
        name=group.name if payload.name is None else payload.name,
        description=group.description
        if payload.description is None
        else payload.description,
    )


@router.delete(GROUP, response=responses({204: None}))
def group_delete(request, pool_id: uuid.UUID, group_id: uuid.UUID):
    """Delete the group; its users stay in the pool."""
    group = _group(request, "write", pool_id, group_id)
    services.group_delete(group=group, actor=request.auth)
    return Status(204, None)


@router.post(GROUP + "/members", response=responses({200: MembersAdded}))
def group_members_add(
    request, pool_id: uuid.UUID, group_id: uuid.UUID, payload: MembersIn
):
    """Add users to the group ("Assign Users"). Refused: `users_not_in_pool`,
    `no_users_chosen`, `too_many_users`; nothing is written then."""
    group = _group(request, "write", pool_id, group_id)
    with fields_renamed(ABOUT_USER_IDS):
        added = services.group_assign_users(
            group=group, actor=request.auth, user_ids=payload.user_ids
        )
    return {"added": added, "member_count": group.member_count}


@router.delete(GROUP + "/members", response=responses({200: MembersRemoved}))
def group_members_remove(
    request, pool_id: uuid.UUID, group_id: uuid.UUID, payload: MembersIn
):
    """Remove users from the group. Refused: `no_users_chosen`,
    `too_many_users`."""
    group = _group(request, "write", pool_id, group_id)
    with fields_renamed(ABOUT_USER_IDS):
        removed = services.group_remove_users(
            group=group, actor=request.auth, user_ids=payload.user_ids
        )
    return {"removed": removed, "member_count": group.member_count}
