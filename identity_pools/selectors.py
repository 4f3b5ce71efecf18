"""Reads of pools, users and groups. Every list is keyset-paginated and runs the same
number of queries at any pool size (no COUNT over users, no OFFSET)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent
from core.pagination import KeysetPage, keyset_page
from workspaces.models import Workspace

from .identifiers import identifier_looks_like, identifier_search_prefix
from .models import Group, GroupMembership, Identifier, IdentityPool, PoolUser

PAGE_SIZE = 50


def pool_list(*, workspace: Workspace) -> QuerySet[IdentityPool]:
    return IdentityPool.objects.for_workspace(workspace).order_by(Lower("name"))


@dataclass(frozen=True)
class UserFilter:
    q: str = ""
    by: str = ""  # "identifier", "name" or "" (guess from q)
    status: str = ""
    group: Group | None = None

    @property
    def search_by(self) -> str:
        if not self.q:
            return ""
        if self.by in ("identifier", "name"):
            return self.by
        return "identifier" if identifier_looks_like(self.q) else "name"


def pool_user_list(
    *,
    pool: IdentityPool,
    filters: UserFilter,
    cursor: str | None,
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """Users of ``pool``, newest first, with their identifiers.

    Identifier search is a prefix match on the normalised identifier (indexed with
    varchar_pattern_ops on PostgreSQL); name search is a substring match on the
    lowercased display name (trigram GIN index on PostgreSQL).
    """
    qs = PoolUser.objects.for_pool(pool)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.group is not None:
        qs = qs.filter(
            Exists(
                GroupMembership.objects.filter(group=filters.group, user=OuterRef("pk"))
            )
        )
    if filters.search_by == "identifier":
        prefix = identifier_search_prefix(filters.q)
        qs = qs.filter(
            Exists(
                Identifier.objects.filter(
                    pool=pool, user=OuterRef("pk"), value__startswith=prefix
                )
            )
        )
    elif filters.search_by == "name":
        qs = qs.alias(name_lower=Lower("display_name")).filter(
            name_lower__contains=filters.q.strip().lower()
        )
    qs = qs.prefetch_related(
        Prefetch("identifiers", queryset=Identifier.objects.order_by("id"))
    )
    return keyset_page(qs, cursor=cursor, size=size)


def group_list(
    *, pool: IdentityPool, cursor: str | None, size: int = PAGE_SIZE
) -> KeysetPage:
    return keyset_page(
        Group.objects.for_pool(pool),
        cursor=cursor,
        size=size,
        field="name",
        descending=False,
    )


def group_choices(*, pool: IdentityPool, limit: int = 200) -> list[Group]:
    """Groups for a filter or an "add to group" menu (the first ``limit`` by name)."""
    return list(
        Group.objects.for_pool(pool).order_by("name").only("id", "name")[:limit]
    )


def pool_user_groups(*, user: PoolUser) -> QuerySet[Group]:
    return Group.objects.filter(memberships__user=user).order_by("name")


FAILED_SIGN_IN_ACTIONS = (
    "pool_user.sign_in_failed",
    "pool_user.sign_in_blocked",
    "pool_user.password_change_failed",
)
SIGN_IN_ACTIONS = ("pool_user.signed_in", *FAILED_SIGN_IN_ACTIONS)
# The user page's history filter: key → (label, filter).
HISTORY_KINDS = {
    "all": (_("All"), None),
    "sign_in": (_("Sign-ins"), {"action__in": SIGN_IN_ACTIONS}),
    "failed": (_("Failed sign-ins"), {"action__in": FAILED_SIGN_IN_ACTIONS}),
    "changes": (_("Changes"), None),
}


def pool_user_history(
    *, user: PoolUser, kind: str = "all", limit: int = 50
) -> QuerySet[AuditEvent]:
    """The user's latest audit events, all or one ``HISTORY_KINDS`` kind: sign-ins
    (successes and failures, with method and reason), failed sign-ins only, or
    every other change."""
    events = AuditEvent.objects.for_workspace(user.pool.workspace).filter(
        target_type="identity_pools.pooluser", target_id=str(user.pk)
    )
    if kind == "changes":
        events = events.exclude(action__in=SIGN_IN_ACTIONS)
    elif HISTORY_KINDS.get(kind, (None, None))[1]:
        events = events.filter(**HISTORY_KINDS[kind][1])
    return events[:limit]


def pool_group_count(*, pool: IdentityPool) -> int:
    return Group.objects.for_pool(pool).count()
