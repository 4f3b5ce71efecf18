import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from core.models import AuditEvent
from identity_pools.identifiers import identifier_parse
from identity_pools.models import (
    Group,
    GroupMembership,
    Identifier,
    IdentityPool,
    PoolUser,
)
from tests.factories import GroupFactory, PoolUserFactory
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def seed(pool, count, **options):
    out = io.StringIO()
    spec = pool if isinstance(pool, str) else str(pool.pk)
    call_command("seed_users", pool=spec, count=count, stdout=out, **options)
    return out.getvalue()


def assert_counters_exact(pool):
    pool.refresh_from_db()
    assert pool.user_count == PoolUser.objects.for_pool(pool).count()
    true_counts = dict(
        GroupMembership.objects.filter(group__pool=pool)
        .values("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    for group in Group.objects.for_pool(pool):
        assert group.member_count == true_counts.get(group.pk, 0), group.name


def test_seed_users_creates_users_identifiers_and_groups(pool):
    output = seed(pool, 200, groups=5, batch=64)

    assert "Seeded 200 users" in output and "users/s" in output
    users = list(PoolUser.objects.for_pool(pool).order_by("id"))
    assert len(users) == 200
    assert_counters_exact(pool)
    groups = Group.objects.for_pool(pool).order_by("name")
    assert [g.name for g in groups] == [f"Seed group {i}" for i in range(1, 6)]
    assert sum(g.member_count for g in groups) > 0
    per_user = Counter(
        GroupMembership.objects.filter(group__pool=pool).values_list(
            "user_id", flat=True
        )
    )
    assert max(per_user.values()) <= 2

    # Time-ordered ids, handed out in creation order.
    assert all(u.pk.version == 7 for u in users)
    assert [u.created_at for u in users] == sorted(u.created_at for u in users)
    assert {u.status for u in users} <= set(PoolUser.Status.values)
    for user in users:
        assert set(user.user_data) == {"given_name", "family_name", "name"}
        assert user.display_name == user.user_data["name"]
        assert user.metadata == {}


def test_seed_users_identifiers_unique_and_normalised(pool):
    seed(pool, 200, groups=2)

    identifiers = list(Identifier.objects.for_pool(pool))
    values = [i.value for i in identifiers]
    assert len(values) == len(set(values))
    for identifier in identifiers:
        parsed = identifier_parse(identifier.value)
        assert (parsed.type, parsed.value) == (identifier.type, identifier.value)
    emails = Counter(i.user_id for i in identifiers if i.type == Identifier.Type.EMAIL)
    assert len(emails) == 200 and set(emails.values()) == {1}
    # Each user's email comes first (identifiers are listed by id).
    for user in PoolUser.objects.for_pool(pool).prefetch_related("identifiers"):
        assert user.identifiers.order_by("id")[0].type == Identifier.Type.EMAIL


def test_seed_users_data_satisfies_the_pool_schema(pool):
    schemas = pytest.importorskip("identity_pools.user_schemas")
    seed(pool, 200, groups=2)

    document = pool.user_schema.document
    for user in PoolUser.objects.for_pool(pool):
        assert schemas.schema_data_errors(document, user.user_data) == {}


def test_seed_users_twice_adds_to_the_pool(pool):
    PoolUserFactory(pool=pool)
    other = GroupFactory(pool=pool, name="Employees")

    seed(pool, 120, groups=3)
    seed(pool, 80, groups=3, seed=7)

    assert PoolUser.objects.for_pool(pool).count() == 201
    assert_counters_exact(pool)
    assert pool.user_count == 201
    assert Group.objects.for_pool(pool).count() == 4
    other.refresh_from_db()
    assert other.member_count == 0
    values = list(Identifier.objects.for_pool(pool).values_list("value", flat=True))
    assert len(values) == len(set(values))
    runs = AuditEvent.objects.filter(action="pool.users_seeded").order_by("id")
    assert [e.details["count"] for e in runs] == [120, 80]
    assert runs[1].details["first_serial"] == runs[0].details["next_serial"]


def test_seed_users_without_groups(pool):
    seed(pool, 50, groups=0)

    assert PoolUser.objects.for_pool(pool).count() == 50
    assert not Group.objects.for_pool(pool).exists()
    assert not GroupMembership.objects.exists()


def test_seed_users_creates_workspace_and_pool_by_name(db):
    seed("acme/Customers", 30, groups=2)
    seed("acme/customers", 20, groups=2)

    workspace = Workspace.objects.get(slug="acme")
    pool = IdentityPool.objects.get(workspace=workspace)
    assert pool.name == "Customers"
    assert pool.user_count == 50
    assert_counters_exact(pool)
    events = AuditEvent.objects.order_by("id")
    assert [e.action for e in events] == [
        "workspace.created",
        "pool.created",
        "group.created",
        "group.created",
        "pool.users_seeded",
        "pool.users_seeded",
    ]
    assert {e.actor_label for e in events} == {"manage.py seed_users"}
    assert all(e.actor_type == "system" for e in events)


@pytest.mark.parametrize(
    ("spec", "options", "text"),
    [
        ("00000000-0000-7000-8000-00000000beef", {}, "No pool with id"),
        ("customers", {}, "neither a pool id"),
        ("/Customers", {}, "needs both parts"),
        ("acme/", {}, "needs both parts"),
        ("not a slug/Customers", {}, "not a valid workspace slug"),
        ("Acme/Customers", {}, "has capitals"),
        ("POOL", {"count": 0}, "--count must be a positive"),
        ("POOL", {"count": -5}, "--count must be a positive"),
        ("POOL", {"groups": -1}, "--groups"),
        ("POOL", {"batch": 0}, "--batch"),
    ],
)
def test_seed_users_bad_input_refused(pool, spec, options, text):
    spec = str(pool.pk) if spec == "POOL" else spec
    options = {"count": 10, **options}
    with pytest.raises(CommandError, match=text):
        call_command("seed_users", pool=spec, stdout=io.StringIO(), **options)
    assert not PoolUser.objects.exists()
    assert not Workspace.objects.exclude(pk=pool.workspace_id).exists()


def test_seed_users_count_not_a_number_refused(pool):
    with pytest.raises(CommandError, match="invalid int value"):
        call_command(
            "seed_users",
            "--pool",
            str(pool.pk),
            "--count",
            "many",
            stdout=io.StringIO(),
        )
    assert not PoolUser.objects.exists()
