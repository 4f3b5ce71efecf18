"""Reads of pools, users and groups. Every list is keyset-paginated and runs the same
number of queries at any pool size (no COUNT over users, no OFFSET)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, StrIndex
from django.utils.translation import gettext_lazy as _

from core.db import replica_alias
from core.pagination import KeysetPage, keyset_page
from workspaces.models import Workspace

from .identifiers import identifier_search_prefix
from .models import (
    Group,
    GroupMembership,
    Identifier,
    IdentityPool,
    PoolName,
    PoolUser,
)

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
        """ "identifier", "name", or "both" (the guess mode: either matches)."""
        if not self.q:
            return ""
        if self.by in ("identifier", "name"):
            return self.by
        return "both"


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
    lowercased display name (trigram GIN index on PostgreSQL). Searching both
    (``by=""``) runs the two and merges them (``_both_page``): one query more.

    Also a group's members (``filters.group``). Reads from a replica when one is
    configured (``core.db.replica_alias``): a list may lag the primary by the
    replication delay, and nothing is written from what it loaded.
    """
    using = replica_alias()
    qs = PoolUser.objects.using(using).for_pool(pool)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.group is not None:
        qs = qs.filter(
            Exists(
                GroupMembership.objects.filter(group=filters.group, user=OuterRef("pk"))
            )
        )
    prefix = identifier_search_prefix(filters.q)
    name_part = filters.q.strip().lower()
    if filters.search_by == "identifier":
        qs = qs.filter(
            Exists(
                Identifier.objects.filter(
                    pool=pool, user=OuterRef("pk"), value__startswith=prefix
                )
            )
        )
    elif filters.search_by == "name":
        return name_search_page(
            qs, pool=pool, name_part=name_part, cursor=cursor, size=size
        )
    if filters.search_by == "both":
        return _both_page(
            qs, pool=pool, prefix=prefix, name_part=name_part, cursor=cursor, size=size
        )
    qs = qs.prefetch_related(
        Prefetch("identifiers", queryset=Identifier.objects.using(using).order_by("id"))
    )
    return keyset_page(qs, cursor=cursor, size=size)


def _both_page(
    qs: QuerySet[PoolUser],
    *,
    pool: IdentityPool,
    prefix: str,
    name_part: str,
    cursor: str | None,
    size: int,
) -> KeysetPage:
    """A page of the users whose identifier starts with ``prefix`` or whose name
    contains ``name_part``, each marked with ``search_match``.

    Two keyset queries, each on its own index (identifier prefix; name trigram),
    merged here: the first ``size`` of the union are among the first ``size + 1``
    of each side. One query with OR, or with a UNION of ids, has to find every
    match before it can order them (150 ms at a million users, against 36).
    """
    by_identifier = keyset_page(
        qs.filter(
            Exists(
                Identifier.objects.filter(
                    pool=pool, user=OuterRef("pk"), value__startswith=prefix
                )
            )
        ),
        cursor=cursor,
        size=size + 1,
    )
    by_name = name_search_page(
        qs, pool=pool, name_part=name_part, cursor=cursor, size=size + 1, prefetch=False
    )
    merged = {u.pk: u for u in [*by_identifier.items, *by_name.items]}
    rows = sorted(merged.values(), key=lambda u: u.pk, reverse=True)
    items = rows[:size]
    prefetch_related_objects(
        items,
        Prefetch(
            "identifiers", queryset=Identifier.objects.using(qs.db).order_by("id")
        ),
    )
    for user in items:
        # Say what matched, from the prefetched identifiers (no query).
        user.search_match = (
            "identifier"
            if any(i.value.startswith(prefix) for i in user.identifiers.all())
            else "name"
        )
    return KeysetPage(
        items=items,
        next_cursor=str(items[-1].pk) if len(rows) > size else None,
        is_first=by_identifier.is_first,
    )


# Name search on PostgreSQL looks at the matching names of the pool one by one
# when there are at most this many (about 0.015 ms each); more, and at least
# this many users match, so walking the pool newest first reads at most about
# 51 × pool size / NAME_CAP index entries (0.15 µs each) for a page. At 10
# million users both bounds are about 35 ms: bench/README.md, "Name search at
# 10 million users".
NAME_CAP = 2000
# pg_trgm finds nothing to look up in a term without a run of three letters or
# digits ("al", "j l"): the index would be read whole, so such terms walk.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")
# The names query's plan: bitmap scans only (see _matching_names). SET LOCAL
# lasts until the end of the transaction: outside one, the statements sent
# together form it; inside one (a test, an atomic block), RESET puts them back.
_BITMAP_ONLY = ("SET LOCAL enable_indexscan = off", "SET LOCAL enable_seqscan = off")
_PLAN_AGAIN = ("RESET enable_indexscan", "RESET enable_seqscan")


def name_search_page(
    qs: QuerySet[PoolUser],
    *,
    pool: IdentityPool,
    name_part: str,
    cursor: str | None,
    size: int,
    prefetch: bool = True,
) -> KeysetPage:
    """A page of the users of ``qs`` whose lowercased name contains ``name_part``,
    newest first, at a cost bounded for every name.

    Left to itself, PostgreSQL chooses between fetching every match and sorting,
    and walking the pool newest first until a page is full, from an estimate
    that is 30 times too high for some full names: the walk then reads millions
    of rows (bench/README.md). Instead, on PostgreSQL: the pool's distinct names
    that contain the term come first (``_matching_names``, a trigram index over
    names, not users); then, in one query, the newest ``size + 1`` users of each
    of those names from the (pool, name_key, id) index, of which the newest
    ``size + 1`` overall make the page. That reads at most NAME_CAP × (size + 1)
    index entries, whatever the pool's size. A term found in more than NAME_CAP
    names is in at least as many users, and the walk (the pool's users newest
    first, from the (pool, id) index that includes name_key) finds a page within
    about size × pool size / NAME_CAP entries; SQLite always walks. Three
    queries either way, with the identifiers.
    """
    value = None
    if cursor:
        try:
            value = PoolUser._meta.pk.to_python(cursor)
        except Exception:
            value = None  # a cursor that does not parse means "first page"
    if value is not None:
        qs = qs.filter(pk__lt=value)
    names = _matching_names(pool, name_part, using=qs.db)
    if names is None:
        # strpos, which no index serves: the planner can only walk the pool. Ids
        # only, so that the walk reads the index (which includes name_key) alone.
        matching = qs.alias(at=StrIndex("name_key", Value(name_part)))
        ids = matching.filter(at__gt=0).order_by("-id").values("id")[: size + 1]
    else:
        ids = _newest_of_each(qs, names, size + 1)
    found = PoolUser.objects.using(qs.db).filter(pk__in=ids).order_by("-id")
    rows = list(found) if names != [] else []
    items = rows[:size]
    if prefetch:
        prefetch_related_objects(
            items,
            Prefetch(
                "identifiers", queryset=Identifier.objects.using(qs.db).order_by("id")
            ),
        )
    return KeysetPage(
        items=items,
        next_cursor=str(items[-1].pk) if len(rows) > size else None,
        is_first=value is None,
    )


def _newest_of_each(qs: QuerySet[PoolUser], names: list[str], n: int) -> RawSQL:
    """SQL for the ids of the newest ``n`` users of ``qs`` among the newest ``n``
    of each of ``names``: a lateral join, so each name is one short backward
    read of the (pool, name_key, id) index, from the index alone unless a
    filter of ``qs`` (status, group) needs the row."""
    # The SQL is the ORM's and fixed text; names and filters are parameters.
    outer_name = RawSQL("n.name", ())
    per_name = qs.filter(name_key=outer_name).order_by("-id").values("id")
    sql, params = per_name[:n].query.sql_with_params()
    return RawSQL(  # noqa: S611
        "SELECT x.id FROM unnest(%s::varchar[]) AS n(name) "  # noqa: S608
        f"CROSS JOIN LATERAL ({sql}) AS x ORDER BY x.id DESC LIMIT %s",
        (names, *params, n),
    )


def _matching_names(pool: IdentityPool, name_part: str, *, using: str):
    """The pool's names (``PoolName``) that contain ``name_part``, when there are
    at most NAME_CAP; None when there are more, when the term has nothing for
    the trigram index to look up, or without PostgreSQL.

    The query may use bitmap scans only, so the (pool, trigram) index, and
    stops at the cap. The settings and the query go in one round trip, as
    statements sent together (Django's default client-side binding allows
    several); with server-side binding, in a savepoint that is rolled back,
    which undoes them.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not _TRIGRAM_WORD.search(name_part):
        return None
    query = PoolName.objects.using(using).filter(pool=pool, name__contains=name_part)
    query = query.order_by().values_list("name", flat=True)[: NAME_CAP + 1]
    sql, params = query.query.sql_with_params()
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        with transaction.atomic(using=using):
            with connection.cursor() as c:
                for setting in _BITMAP_ONLY:
                    c.execute(setting)
                c.execute(sql, params)
                rows = c.fetchall()
            transaction.set_rollback(True, using=using)
    else:
        with connection.cursor() as c:
            c.execute("; ".join([*_BITMAP_ONLY, sql, *_PLAN_AGAIN]), params)
            for _ in _BITMAP_ONLY:
                c.nextset()  # past the SETs' results to the query's rows
            rows = c.fetchall()
    return [row[0] for row in rows] if len(rows) <= NAME_CAP else None


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


def pool_group_count(*, pool: IdentityPool) -> int:
    return Group.objects.for_pool(pool).count()
