"""``core.fastpath.prepared.Prepared``: a read compiled once per process and
run with each call's values gives what the ORM gives. The compiled path runs
on PostgreSQL only (elsewhere ``build`` runs each time), so most tests here
need it."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Value
from django.db.models.functions import Concat

from core.fastpath.prepared import Prepared
from identity_pools.models import Identifier, PoolUser
from tests.factories import IdentifierFactory, PoolUserFactory

pytestmark = pytest.mark.django_db
COMPILED = pytest.mark.postgresql(
    reason="Prepared compiles its SQL once on PostgreSQL only; elsewhere it "
    "runs the ORM's query each time"
)

BY_VALUE = Prepared(
    lambda value: (
        Identifier.objects.filter(value=value)
        .select_related("user")
        .annotate(label=Concat(F("value"), Value("!")))
    )
)
BY_STATUS = Prepared(
    lambda pool, status: PoolUser.objects.filter(pool_id=pool, status=status)
)


@pytest.fixture
def two(db):
    ann = IdentifierFactory(value="ann@example.com")
    bea = IdentifierFactory(
        value="bea@example.com", user=PoolUserFactory(pool=ann.pool)
    )
    return ann, bea


def test_first_gives_what_the_orm_gives(two, django_assert_num_queries):
    ann, _bea = two
    found = BY_VALUE.first("v", value="ann@example.com")
    assert found == ann and found.label == "ann@example.com!"
    with django_assert_num_queries(0):  # the user came with it
        assert found.user == ann.user
        assert found.user.user_data == ann.user.user_data
    assert found._state.adding is False
    assert BY_VALUE.first("v", value="nobody@example.com") is None


def test_all_gives_every_row_in_key_order(two):
    ann, bea = two
    PoolUserFactory(pool=ann.pool, status="inactive")
    active = BY_STATUS.all("s", pool=ann.pool_id, status="active")
    expected = list(PoolUser.objects.filter(pool=ann.pool, status="active"))
    assert sorted(u.pk for u in active) == sorted(u.pk for u in expected)
    assert [u.pk for u in active] == sorted(u.pk for u in active)
    assert {ann.user, bea.user} <= set(active)


@COMPILED
def test_the_sql_is_compiled_once_and_run_with_each_calls_values(two):
    ann, bea = two
    prepared = Prepared(BY_VALUE.build)
    assert prepared.first("v", value="ann@example.com") == ann
    assert prepared.first("v", value="bea@example.com") == bea
    assert list(prepared.compiled) == [("v", True)]
    [(sql, *_rest)] = prepared.compiled.values()
    assert "ann@example.com" not in sql and "prepared-" not in sql


@COMPILED
def test_a_value_that_is_not_a_parameter_is_refused(two):
    with_constant = Prepared(lambda value: Identifier.objects.filter(value="fixed"))
    with pytest.raises(ValueError, match="not a parameter"):
        with_constant.first("x", value="ann@example.com")


@COMPILED
def test_a_second_level_of_select_related_is_refused(two):
    deep = Prepared(
        lambda value: Identifier.objects.filter(value=value).select_related(
            "user__pool"
        )
    )
    with pytest.raises(ValueError, match="One level"):
        deep.first("x", value="ann@example.com")


@COMPILED
def test_an_aggregate_annotation_is_converted(two):
    ann, _bea = two
    counted = Prepared(
        lambda pool: PoolUser.objects.filter(pool_id=pool).annotate(
            n=Count("identifiers")
        )
    )
    found = counted.all("c", pool=ann.pool_id)
    expected = PoolUser.objects.filter(pool=ann.pool).annotate(n=Count("identifiers"))
    assert {u.pk: u.n for u in found} == {u.pk: u.n for u in expected}
    assert all(isinstance(u.n, int) and u.n >= 1 for u in found)
