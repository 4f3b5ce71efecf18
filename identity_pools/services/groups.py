"""Writes of groups and their memberships. Each runs in one transaction with its
audit event. ``member_count`` changes with the rows it counts, under the group's lock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.audit import audit_record, changes_applied
from core.catalogue import message
from core.validation import validated_save

from ..counters import group_members_counted
from ..models import Group, GroupMembership, IdentityPool, PoolUser

MAX_USERS_AT_ONCE = 1000


NAME_ERRORS = {"group_name_taken": "name"}


def group_create(
    *, pool: IdentityPool, actor, name: str, description: str = ""
) -> Group:
    """Create a group. Raises ValidationError (``group_name_taken`` on "name" when
    the pool has a group of that name in any letter case)."""
    group = Group(pool=pool, name=name.strip(), description=description)
    validated_save(
        group,
        error_fields=NAME_ERRORS,
        then=lambda: audit_record(
            actor=actor,
            action="group.created",
            workspace=pool.workspace,
            target=group,
            details={"pool": str(pool.pk), "name": group.name},
        ),
    )
    return group


def group_update(*, group: Group, actor, name: str, description: str) -> Group:
    """Rename or describe the group; the same errors as ``group_create``. On error
    ``group`` is left as it was."""
    before = (group.name, group.description)
    changes = changes_applied(group, name=name.strip(), description=description)

    def record() -> None:
        if changes:
            audit_record(
                actor=actor,
                action="group.updated",
                workspace=group.pool.workspace,
                target=group,
                details={"changes": changes},
            )

    try:
        validated_save(
            group,
            update_fields=["name", "description", "updated_at"],
            error_fields=NAME_ERRORS,
            then=record,
        )
    except ValidationError:
        group.name, group.description = before
        raise
    return group


def group_delete(*, group: Group, actor) -> None:
    """Delete the group and its memberships; the users stay in the pool."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="group.deleted",
            workspace=group.pool.workspace,
            target=group,
            details={"name": group.name, "members": group.member_count},
        )
        Group.objects.filter(pk=group.pk).delete()


def _clean_ids(user_ids: Iterable) -> set[uuid.UUID]:
    ids = set()
    for raw in user_ids:
        try:
            ids.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError as exc:
            raise ValidationError(
                message("users_not_in_pool", count=1), code="users_not_in_pool"
            ) from exc
    if not ids:
        raise ValidationError(message("no_users_chosen"), code="no_users_chosen")
    if len(ids) > MAX_USERS_AT_ONCE:
        raise ValidationError(
            message("too_many_users", max=MAX_USERS_AT_ONCE),
            code="too_many_users",
        )
    return ids


def group_assign_users(*, group: Group, actor, user_ids: Iterable) -> int:
    """Add users of the group's pool to the group; returns how many were added.

    Users already in the group are skipped (not an error). Any id that is not a user
    of this pool refuses the whole request (code ``users_not_in_pool``): nothing is
    written.
    """
    ids = _clean_ids(user_ids)
    try:
        with transaction.atomic():
            Group.objects.select_for_update().filter(pk=group.pk).first()
            found = set(
                PoolUser.objects.filter(pool_id=group.pool_id, pk__in=ids).values_list(
                    "pk", flat=True
                )
            )
            missing = ids - found
            if missing:
                raise ValidationError(
                    message("users_not_in_pool", count=len(missing)),
                    code="users_not_in_pool",
                )
            existing = set(
                GroupMembership.objects.filter(
                    group=group, user_id__in=ids
                ).values_list("user_id", flat=True)
            )
            new = sorted(found - existing)
            GroupMembership.objects.bulk_create(
                [GroupMembership(group=group, user_id=user_id) for user_id in new]
            )
            group_members_counted(per_group={group.pk: len(new)})
            audit_record(
                actor=actor,
                action="group.users_assigned",
                workspace=group.pool.workspace,
                target=group,
                details={
                    "added": len(new),
                    "already_members": len(existing),
                    "users": [str(u) for u in new[:100]],
                },
            )
    except IntegrityError as exc:
        # A chosen user was deleted while we were assigning.
        raise ValidationError(
            message("users_not_in_pool", count=1), code="users_not_in_pool"
        ) from exc
    group.member_count += len(new)
    return len(new)


def group_remove_users(*, group: Group, actor, user_ids: Iterable) -> int:
    """Remove users from the group; returns how many were removed. Ids that are not
    members are ignored."""
    ids = _clean_ids(user_ids)
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()
        removed, _ = GroupMembership.objects.filter(
            group=group, user_id__in=ids
        ).delete()
        if removed:
            group_members_counted(per_group={group.pk: -removed})
            audit_record(
                actor=actor,
                action="group.users_removed",
                workspace=group.pool.workspace,
                target=group,
                details={
                    "removed": removed,
                    "users": [str(u) for u in sorted(ids)[:100]],
                },
            )
    group.member_count -= removed
    return removed
