"""Name search (issue 13, item 1): the same users in the same order whichever way
the selector finds them (the newest users of each matching name, or the walk for
terms in many names), page after page, with filters, and never another pool's
users; and the pool's names kept by the database for every kind of write."""

from __future__ import annotations

import io

import pytest
from django.db import connection

from identity_pools import search
from identity_pools.models import GroupMembership, PoolUser
from identity_pools.selectors import UserFilter, pool_user_list
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = pytest.mark.django_db

NAMES = ["Janet Lee", "Janet Leeds", "Lee Janet", "Ann Lee", "Ann Jansen"]


def named(pool, name: str, **fields) -> PoolUser:
    given, family = name.split(" ", 1)
    return PoolUserFactory(
        pool=pool,
        user_data={"given_name": given, "family_name": family, "name": name},
        display_name=name,
        **fields,
    )


@pytest.fixture
def people(pool):
    """24 users named from NAMES, some inactive, and a user in another pool of
    the same workspace with a matching name."""
    users = [
        named(
            pool, NAMES[i % len(NAMES)], status="inactive" if i % 4 == 0 else "active"
        )
        for i in range(24)
    ]
    named(IdentityPoolFactory(workspace=pool.workspace), "Janet Lee")
    return users


def every_page(pool, filters: UserFilter, size: int) -> list[list]:
    pages, cursor = [], None
    while True:
        page = pool_user_list(pool=pool, filters=filters, cursor=cursor, size=size)
        pages.append([u.pk for u in page.items])
        if not page.has_next:
            return pages
        cursor = page.next_cursor


def expected(users, term: str, status: str = "") -> list:
    found = [
        u.pk
        for u in users
        if term in u.display_name.lower() and (not status or u.status == status)
    ]
    return sorted(found, reverse=True)


@pytest.mark.parametrize("cap", [1000, 1], ids=["by-names", "walk-if-common"])
@pytest.mark.parametrize("term", ["janet lee", "lee", "jan", "an", "ann jansen"])
def test_pages_are_the_matches_newest_first_either_way(
    pool, people, monkeypatch, cap, term
):
    monkeypatch.setattr(search, "NAME_CAP", cap)
    pages = every_page(pool, UserFilter(q=term, by="name"), size=4)
    assert [pk for page in pages for pk in page] == expected(people, term)
    assert all(len(page) == 4 for page in pages[:-1])


@pytest.mark.parametrize("cap", [1000, 1], ids=["by-names", "walk-if-common"])
def test_filters_apply_to_the_name_search(pool, people, group, monkeypatch, cap):
    monkeypatch.setattr(search, "NAME_CAP", cap)
    pages = every_page(pool, UserFilter(q="lee", by="name", status="inactive"), 3)
    assert [pk for p in pages for pk in p] == expected(people, "lee", "inactive")

    members = people[::3]
    GroupMembership.objects.bulk_create(
        GroupMembership(group=group, user=u) for u in members
    )
    pages = every_page(pool, UserFilter(q="janet", by="name", group=group), 2)
    assert [pk for p in pages for pk in p] == expected(members, "janet")


def test_guess_mode_merges_identifier_and_name_matches(pool, people):
    morgan = PoolUserFactory(pool=pool, email="janet.m@example.com")
    page = pool_user_list(pool=pool, filters=UserFilter(q="janet"), cursor=None)
    assert [u.pk for u in page.items] == sorted(
        [morgan.pk, *expected(people, "janet")], reverse=True
    )[:50]
    assert {u.search_match for u in page.items} == {"identifier", "name"}


def test_a_term_with_like_wildcards_matches_itself(pool):
    plain = named(pool, "Ann Lee")
    odd = named(pool, "Ann 100%_Lee")
    for term in ("100%_", "%", "_"):
        page = pool_user_list(
            pool=pool, filters=UserFilter(q=term, by="name"), cursor=None
        )
        assert [u.pk for u in page.items] == [odd.pk], term
    assert plain.pk not in [
        u.pk
        for u in pool_user_list(
            pool=pool, filters=UserFilter(q="100", by="name"), cursor=None
        ).items
    ]


@pytest.mark.postgresql(
    reason="PostgreSQL's planner settings (SET LOCAL) around the search"
)
def test_the_probe_leaves_the_planner_as_it_was(pool, people):
    pool_user_list(pool=pool, filters=UserFilter(q="janet", by="name"), cursor=None)
    with connection.cursor() as c:
        c.execute("SHOW enable_indexscan")
        assert c.fetchone()[0] == "on"
        c.execute("SHOW enable_seqscan")
        assert c.fetchone()[0] == "on"


@pytest.mark.postgresql(
    reason="PostgreSQL's planner settings (SET LOCAL) around the search"
)
def test_server_side_binding_finds_the_same(pool, people, monkeypatch):
    """With server-side binding the probe's statements still go together (bound
    client-side for it alone): same users, planner settings restored."""
    options = {**connection.settings_dict.get("OPTIONS", {})}
    monkeypatch.setitem(
        connection.settings_dict, "OPTIONS", {**options, "server_side_binding": True}
    )
    pages = every_page(pool, UserFilter(q="janet lee", by="name"), size=3)
    assert [pk for p in pages for pk in p] == expected(people, "janet lee")
    with connection.cursor() as c:
        c.execute("SHOW enable_indexscan")
        assert c.fetchone()[0] == "on"


@pytest.mark.postgresql(
    reason="pins the plans chosen from a capped count, which only PostgreSQL's search uses; SQLite runs one query"
)
def test_a_rare_and_a_common_name_cost_the_same_queries(
    pool, people, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search, "NAME_CAP", 3)
    with django_assert_num_queries(3) as walk:  # names, walk, identifiers
        pool_user_list(pool=pool, filters=UserFilter(q="lee", by="name"), cursor=None)
    assert "STRPOS" in walk.captured_queries[1]["sql"].upper()
    with django_assert_num_queries(3):  # names, newest of each, identifiers
        pool_user_list(
            pool=pool, filters=UserFilter(q="ann jansen", by="name"), cursor=None
        )


@pytest.mark.postgresql(
    reason="PoolName is kept by PostgreSQL's triggers for its trigram index; "
    "SQLite's search reads the users' name keys"
)
def test_the_database_keeps_each_pools_names(pool, workspace):
    from identity_pools.models import PoolName
    from identity_pools.services.users import pool_user_update_data

    ann = named(pool, "Ann Lee")
    named(pool, "ANN LEE")  # the same name, lowercased
    other = IdentityPoolFactory(workspace=workspace)
    named(other, "Ann Lee")

    def names(p):
        return sorted(PoolName.objects.filter(pool=p).values_list("name", flat=True))

    assert names(pool) == ["ann lee"] and names(other) == ["ann lee"]
    data = {**ann.user_data, "given_name": "Anna", "name": "Anna Lee"}
    pool_user_update_data(user=ann, actor=None, user_data=data)
    assert names(pool) == ["ann lee", "anna lee"]
    page = pool_user_list(
        pool=pool, filters=UserFilter(q="anna", by="name"), cursor=None
    )
    assert [u.pk for u in page.items] == [ann.pk]


def test_a_user_is_found_by_a_new_name_and_not_the_old_one(pool):
    from identity_pools.services.users import pool_user_update_data

    ann = named(pool, "Ann Lee")
    data = {**ann.user_data, "given_name": "Anna", "name": "Anna Lee"}
    pool_user_update_data(user=ann, actor=None, user_data=data)

    def found(term):
        page = pool_user_list(
            pool=pool, filters=UserFilter(q=term, by="name"), cursor=None
        )
        return [u.pk for u in page.items]

    assert found("anna") == [ann.pk]
    assert found("ann lee") == []


def test_seeded_users_are_found_by_name(pool):
    """seed_users writes with COPY; the statement trigger names them too."""
    from django.core.management import call_command

    call_command("seed_users", pool=str(pool.pk), count=300, stdout=io.StringIO())
    newest = PoolUser.objects.for_pool(pool).order_by("-id").first()
    term = newest.display_name.lower()
    page = pool_user_list(pool=pool, filters=UserFilter(q=term, by="name"), cursor=None)
    assert newest.pk in [u.pk for u in page.items]
    want = [
        u.pk
        for u in PoolUser.objects.for_pool(pool).order_by("-id")
        if term in u.display_name.lower()
    ][:50]
    assert [u.pk for u in page.items] == want


@pytest.fixture
def emails(pool, workspace):
    """30 users with emails from a few prefixes, some inactive; another pool's
    users with the same emails."""
    users = [
        PoolUserFactory(
            pool=pool,
            email=f"{('sarah', 'sam', 'tom')[i % 3]}.{i}@example.com",
            status="inactive" if i % 5 == 0 else "active",
        )
        for i in range(30)
    ]
    other = IdentityPoolFactory(workspace=workspace)
    for i in range(5):
        PoolUserFactory(pool=other, email=f"sarah.{i}@example.com")
    return users


def with_prefix(users, prefix, status=""):
    found = [
        u.pk
        for u in users
        if any(i.value.startswith(prefix) for i in u.identifiers.all())
        and (not status or u.status == status)
    ]
    return sorted(found, reverse=True)


@pytest.mark.parametrize("cap", [2000, 2], ids=["by-identifiers", "walk-if-common"])
@pytest.mark.parametrize("prefix", ["sa", "sarah", "sarah.1", "tom.2", "nobody"])
def test_identifier_pages_are_the_matches_newest_first_either_way(
    pool, emails, monkeypatch, cap, prefix
):
    monkeypatch.setattr(search, "IDENTIFIER_CAP", cap)
    pages = every_page(pool, UserFilter(q=prefix, by="identifier"), size=4)
    assert [pk for page in pages for pk in page] == with_prefix(emails, prefix)
    assert all(len(page) == 4 for page in pages[:-1])


@pytest.mark.parametrize("cap", [2000, 2], ids=["by-identifiers", "walk-if-common"])
def test_identifier_search_with_a_status_filter(pool, emails, monkeypatch, cap):
    monkeypatch.setattr(search, "IDENTIFIER_CAP", cap)
    filters = UserFilter(q="sarah", by="identifier", status="inactive")
    pages = every_page(pool, filters, size=2)
    assert [pk for p in pages for pk in p] == with_prefix(emails, "sarah", "inactive")


@pytest.mark.postgresql(
    reason="pins the plans chosen from a capped count, which only PostgreSQL's search uses; SQLite runs one query"
)
def test_a_common_prefix_walks_the_pool_one_lookup_a_user(
    pool, emails, monkeypatch, django_assert_num_queries
):
    """Above the cap, the walk may not merge or hash (which read every pool's
    identifiers in user order, or every match): a nested loop, and the
    planner's settings are back afterwards."""
    monkeypatch.setattr(search, "IDENTIFIER_CAP", 2)
    # probe, the walk's edge, walk, users, identifiers
    with django_assert_num_queries(5) as walk:
        page = pool_user_list(
            pool=pool, filters=UserFilter(q="sarah", by="identifier"), cursor=None
        )
    assert [u.pk for u in page.items] == with_prefix(emails, "sarah")
    sql = walk.captured_queries[2]["sql"]
    assert "enable_mergejoin = off" in sql and "enable_hashjoin = off" in sql
    with connection.cursor() as c:
        c.execute("SHOW enable_mergejoin")
        assert c.fetchone()[0] == "on"


@pytest.mark.postgresql(
    reason="pins the plans chosen from a capped count, which only PostgreSQL's search uses; SQLite runs one query"
)
def test_a_rare_prefix_is_three_queries(pool, emails, django_assert_num_queries):
    with django_assert_num_queries(3):  # probe, users, identifiers
        page = pool_user_list(
            pool=pool, filters=UserFilter(q="tom.2", by="identifier"), cursor=None
        )
    assert [u.pk for u in page.items] == with_prefix(emails, "tom.2")


@pytest.mark.parametrize("status", ["", "inactive"])
def test_a_common_prefix_among_older_users_only(pool, emails, monkeypatch, status):
    """Matches beyond the walk's window (a number range given out long ago):
    the newest of every match instead, filters included."""
    monkeypatch.setattr(search, "IDENTIFIER_CAP", 2)
    monkeypatch.setattr(search, "WALK_USERS", 3)
    for _ in range(5):
        PoolUserFactory(pool=pool, email=f"zed.{_}@example.com")  # newest
    filters = UserFilter(q="sam", by="identifier", status=status)
    pages = every_page(pool, filters, size=2)
    assert [pk for p in pages for pk in p] == with_prefix(emails, "sam", status)
