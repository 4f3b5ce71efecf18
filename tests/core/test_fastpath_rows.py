"""``core.fastpath.rows`` and ``core.fastpath.sql``: instances from rows read
outside the ORM, equal to what the ORM loads, on SQLite and on PostgreSQL
(their converters differ: SQLite returns UUIDs and JSON as text)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from core.fastpath.rows import cache_related, columns, instance_from_row, loaded
from core.fastpath.sql import Query, column, execute, table
from identity_pools.credentials import PasswordCredential
from identity_pools.models import IdentityPool, PoolUser, SignInPolicy
from tests.factories import PasswordCredentialFactory, PoolUserFactory

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in PoolUser._meta.concrete_fields]


def _user_sql(vendor: str) -> str:
    return (
        f"SELECT {', '.join(columns(PoolUser, 'u'))}, 7 FROM {table(PoolUser)} u"
        f" WHERE u.{column(PoolUser, 'pk')} = %s"
    )


USER = Query(_user_sql, returns=(PoolUser,))


def _pk(value):
    return PoolUser._meta.pk.get_db_prep_value(value, connection)


def test_instance_from_row_equals_what_the_orm_loads():
    made = PoolUserFactory(user_data={"given_name": "Ann", "n": [1, 2]})
    row = USER.one([_pk(made.pk)])
    [user], rest = USER.split(row)
    expected = PoolUser.objects.get(pk=made.pk)
    assert {f: getattr(user, f) for f in FIELDS} == {
        f: getattr(expected, f) for f in FIELDS
    }
    assert isinstance(user.pk, uuid.UUID) and user.user_data["n"] == [1, 2]
    assert user.created_at.tzinfo is not None
    assert rest == (7,)
    # As the ORM leaves a loaded instance: a save() updates it.
    assert user._state.adding is False and user._state.db == "default"
    user.display_name = "Changed"
    user.save(update_fields=["display_name"])
    assert PoolUser.objects.get(pk=made.pk).display_name == "Changed"


def test_instance_from_row_is_none_for_a_null_primary_key():
    width = len(PoolUser._meta.concrete_fields)
    assert instance_from_row(PoolUser, [None] * width) is None


def test_query_writes_its_sql_once_per_vendor_and_shape():
    calls = []

    def write(vendor: str, *, n: int) -> tuple[str, list]:
        calls.append((vendor, n))
        return f"SELECT {n} + %s", [n]

    query = Query(write)
    assert query.statement(n=1) == ("SELECT 1 + %s", [1])
    assert query.statement(n=1) == ("SELECT 1 + %s", [1])
    assert query.statement(n=2)[0] == "SELECT 2 + %s"
    assert calls == [(connection.vendor, 1), (connection.vendor, 2)]
    assert query.one([2], n=1) == (3,)
    assert query.all([2], n=2) == [(4,)]


def test_query_one_is_none_without_a_row():
    assert USER.one([_pk(uuid.uuid4())]) is None


def test_execute_returns_the_rows_changed():
    user = PoolUserFactory(display_name="Ann")
    sql = (
        f"UPDATE {table(PoolUser)} SET {column(PoolUser, 'display_name')} = %s"
        f" WHERE {column(PoolUser, 'pk')} = %s"
    )
    assert execute(sql, ["Bea", _pk(user.pk)]) == 1
    assert execute(sql, ["Bea", _pk(uuid.uuid4())]) == 0


def test_loaded_and_cache_related_leave_what_select_related_leaves(
    django_assert_num_queries,
):
    stored = PasswordCredentialFactory()
    user = PoolUser.objects.get(pk=stored.user_id)
    credential = loaded(
        PasswordCredential(user=user, password="x", state="valid", changed_at=None)
    )
    assert credential._state.adding is False and credential._state.db == "default"
    cache_related(user, "password_credential", credential)
    with django_assert_num_queries(0):
        assert user.password_credential is credential
    nobody = PoolUser.objects.get(pk=PoolUserFactory().pk)
    cache_related(nobody, "password_credential", None)
    with django_assert_num_queries(0), pytest.raises(PasswordCredential.DoesNotExist):
        nobody.password_credential


def test_cache_related_works_for_the_pools_policies(django_assert_num_queries):
    pool = IdentityPool.objects.get(pk=PoolUserFactory().pool_id)
    cache_related(pool, "sign_in_policy", None)
    with django_assert_num_queries(0), pytest.raises(SignInPolicy.DoesNotExist):
        pool.sign_in_policy
