"""The users list's searches on PostgreSQL, at a cost bounded for every term and
every pool size (issue 13; bench/README.md, "Name search at 10 million users"
and "Many pools").

PostgreSQL picks a plan for "the newest 51 users whose X matches" from its
estimate of how many match, and a wrong estimate turns the page into a walk
over millions of rows. So each search first counts, up to a cap, what a cheap
index finds (matching names; matching identifiers), and then runs the plan that
count calls for, with the planner told which kinds of scan it may use for
that one query (``core.fastpath.sql.planned``).
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex

from core.fastpath.sql import planned
from core.pagination import KeysetPage, cursor_value

from .models import Identifier, IdentityPool, PoolName, PoolUser

# Name search looks at the matching names of the pool one by one when there are
# at most this many (about 0.015 ms each); more, and at least this many users
# match, so walking the pool newest first reads at most about 51 × pool size /
# NAME_CAP index entries (0.08 µs each) for a page: about 20 ms at 10 million.
NAME_CAP = 2000
# Identifier search reads up to this many matching identifiers from the prefix
# index alone (about 0.3 µs each, counted and sorted in the database); more, and
# at least 1 user in 200 matches at 10 million users, so a walk over the newest
# WALK_USERS users (about 1 µs each) finds a page when the matches are spread.
IDENTIFIER_CAP = 50_000
# pg_trgm finds nothing to look up in a term without a run of three letters or
# digits ("al", "j l"): the index would be read whole, so such terms walk.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")


def _after(qs: QuerySet[PoolUser], cursor: str | None):
    """``qs`` after ``cursor`` (the last id of the page before), and the cursor's
    value (None: first page; a cursor that does not parse means the same)."""
    value = cursor_value(PoolUser._meta.pk, cursor)
    return (qs.filter(pk__lt=value) if value is not None else qs), value


def _page(rows: list, *, size: int, first: bool, prefetch: bool) -> KeysetPage:
    """A page of ``rows`` (up to ``size + 1``, newest first), with identifiers."""
    items = rows[:size]
    if prefetch and items:
        prefetch_related_objects(
            items,
            Prefetch(
                "identifiers",
                queryset=Identifier.objects.using(items[0]._state.db).order_by("id"),
            ),
        )
    return KeysetPage(
        items=items,
        next_cursor=str(items[-1].pk) if len(rows) > size else None,
        is_first=first,
    )


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
    qs, value = _after(qs, cursor)
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
    return _page(rows, size=size, first=value is None, prefetch=prefetch)


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
    the trigram index to look up, or without PostgreSQL. Bitmap scans only:
    the (pool, trigram) index, stopping at the cap."""
    if connections[using].vendor != "postgresql" or not _TRIGRAM_WORD.search(name_part):
        return None
    query = PoolName.objects.using(using).filter(pool=pool, name__contains=name_part)
    query = query.order_by().values_list("name", flat=True)[: NAME_CAP + 1]
    rows = planned(query, off=("indexscan", "seqscan"))
    return [row[0] for row in rows] if len(rows) <= NAME_CAP else None


def identifier_search_page(
    qs: QuerySet[PoolUser],
    *,
    pool: IdentityPool,
    prefix: str,
    cursor: str | None,
    size: int,
    prefetch: bool = True,
) -> KeysetPage:
    """A page of the users of ``qs`` with an identifier that starts with
    ``prefix``, newest first.

    Left to itself, PostgreSQL walks the users newest first beside every pool's
    identifiers in user order (the index on ``user_id`` alone): with newer pools
    beside a big one, that read 1.2 million other pools' rows for one page; and
    for a prefix it thinks rare it fetches every match row by row (340 ms for
    14,000). Here, on PostgreSQL: the users of up to IDENTIFIER_CAP + 1
    matching identifiers come first, from the (pool, value) prefix index alone
    (it includes the user); if that is all of them, the page is their newest.
    If not, the prefix is common, and the pool's users are walked newest first,
    each checked with one index lookup (a nested loop: the planner may not
    merge or hash for this query), about 51 × pool size / IDENTIFIER_CAP
    lookups for a page.
    """
    qs, value = _after(qs, cursor)
    matching = Identifier.objects.using(qs.db).filter(
        pool=pool, value__startswith=prefix
    )
    found = qs.filter(Exists(matching.filter(user=OuterRef("pk")))).order_by("-id")
    if connections[qs.db].vendor != "postgresql":
        rows = list(found[: size + 1])
        return _page(rows, size=size, first=value is None, prefetch=prefetch)
    if value is not None:
        matching = matching.filter(user_id__lt=value)
    # Up to IDENTIFIER_CAP + 1 matching identifiers' users from the prefix index
    # alone; of them, the newest size + 1 and how many there were, sorted in
    # the database. (Not DISTINCT: that reads every match before the first row.
    # A user with two matching identifiers shows up twice: the page then comes
    # up short, and the exact query below runs.)
    probe = matching.order_by().values("user_id")[: IDENTIFIER_CAP + 1]
    newest = planned(
        probe,
        off=("seqscan", "bitmapscan"),
        wrap="SELECT user_id, count(*) OVER () FROM (%s) AS m "
        "ORDER BY user_id DESC LIMIT %s",
        extra=(size + 1,),
    )
    found_count = newest[0][1] if newest else 0
    if not newest:
        rows = []
    elif found_count <= IDENTIFIER_CAP:
        rows = list(qs.filter(pk__in=[r[0] for r in newest]).order_by("-id"))
        if len(rows) <= size < found_count:
            # A status or group filter (or a user found twice) left some out:
            # look among them all, one user at a time by primary key (no merge
            # or hash over the pool).
            everyone = found.filter(pk__in=probe.values("user_id"))
            ids = [
                r[0]
                for r in planned(
                    everyone.values_list("id")[: size + 1],
                    off=("mergejoin", "hashjoin"),
                )
            ]
            rows = list(qs.filter(pk__in=ids).order_by("-id"))
    else:
        rows = _common_prefix_rows(qs, found, matching, size=size)
    return _page(rows, size=size, first=value is None, prefetch=prefetch)


# A common prefix's walk looks at this many of the newest users at most.
WALK_USERS = 20_000
# The walk: users newest first, one index lookup each; not a merge or hash
# join, and not a sort (which is how the planner fetches every match when it
# thinks a prefix rare: 114,524 lookups for "ra").
_WALK = ("mergejoin", "hashjoin", "sort", "incremental_sort")


def _common_prefix_rows(qs, found, matching, *, size: int) -> list[PoolUser]:
    """The newest ``size + 1`` users of ``found`` when more than IDENTIFIER_CAP
    identifiers match: among the newest WALK_USERS users when the matches are
    spread out (at least 1 in 200 at 10 million users, so about 10,200 users
    find a page); when they are not (a number range given out long ago), the
    newest of every match, read from the prefix index and sorted."""
    newest = qs.order_by("-id").values_list("id", flat=True)
    edge = list(newest[WALK_USERS : WALK_USERS + 1])
    walk = found.filter(pk__gte=edge[0]) if edge else found
    ids = [row[0] for row in planned(walk.values_list("id")[: size + 1], off=_WALK)]
    if len(ids) <= size and edge:
        # Ordered by the id's text (the same order), so that no index can
        # serve it: the planner reads the prefix's range, not every pool's
        # identifiers in user order (925 ms for a range given out long ago).
        every = planned(
            matching.order_by().values("user_id"),
            off=("seqscan", "bitmapscan"),
            wrap="SELECT user_id FROM (%s) AS m ORDER BY user_id::text DESC LIMIT %s",
            extra=(size + 1,),
        )
        ids = list(dict.fromkeys(row[0] for row in every))
        rows = list(qs.filter(pk__in=ids).order_by("-id"))
        if len(rows) <= size < len(ids):
            return list(found[: size + 1])  # a filter left some out
        return rows
    return list(PoolUser.objects.using(qs.db).filter(pk__in=ids).order_by("-id"))
