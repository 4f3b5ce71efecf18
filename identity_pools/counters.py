"""The counters lists read instead of a COUNT(*) over a pool: a pool's
``user_count`` and a group's ``member_count``. The writes that add or remove
the rows they count move them here, in the same transaction: Create User,
sign-up, delete, Assign Users and removal, the import and ``seed_users``.

Never below zero (a user made outside the services, in a shell or a restore,
was never counted). Groups are moved in id order, before the pool, so that
concurrent writes take their row locks in one order and cannot deadlock. (The
counts per status are kept by the database's triggers: ``stats``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Greatest

from .models import Group, GroupMembership, IdentityPool


def _moved(field: str, by: int):
    return F(field) + by if by >= 0 else Greatest(F(field) - (-by), 0)


def pool_users_counted(*, pool_id, by: int) -> None:
    """Move the pool's ``user_count`` by ``by`` (users added, or removed when
    negative)."""
    if by:
        IdentityPool.objects.filter(pk=pool_id).update(
            user_count=_moved("user_count", by)
        )


def group_members_counted(
    *, per_group: Mapping | None = None, groups: QuerySet | None = None, by: int = 0
) -> None:
    """Move groups' ``member_count``: each group id of ``per_group`` by its
    number, or every group of ``groups`` (e.g. the groups of a user being
    deleted) by ``by``."""
    for group_id in sorted(per_group or {}):
        if per_group[group_id]:
            Group.objects.filter(pk=group_id).update(
                member_count=_moved("member_count", per_group[group_id])
            )
    if groups is not None and by:
        groups.update(member_count=_moved("member_count", by))


def counters_add(*, pool: IdentityPool, users: int, per_group: Mapping) -> None:
    """Move the pool's ``user_count`` and the groups' ``member_count`` by what
    was inserted (the import, ``seed_users``): the groups first, in id order."""
    group_members_counted(per_group=per_group)
    pool_users_counted(pool_id=pool.pk, by=users)


def group_members_recounted(*, group_ids: Iterable) -> None:
    """Set each group's ``member_count`` to its true count (``seed_users``'
    end, after writes that counted per batch). Locks the groups in id order."""
    locked = list(
        Group.objects.filter(pk__in=list(group_ids))
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    counts = dict(
        GroupMembership.objects.filter(group_id__in=locked)
        .values("group_id")
        .annotate(n=Count("*"))
        .values_list("group_id", "n")
    )
    for group_id in locked:
        Group.objects.filter(pk=group_id).update(member_count=counts.get(group_id, 0))
