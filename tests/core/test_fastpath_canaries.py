"""Canaries: one test per private Django (or psycopg) API that ``core.fastpath``
leans on. Each asserts the attribute or behaviour still exists and does what
the package assumes, so that an upgrade fails here first, with a message
naming the fast path that needs a look."""

from __future__ import annotations

import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.db.models.sql import InsertQuery
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier, IdentityPool, PoolUser
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db


def _says(fast_path: str) -> str:
    return (
        f"Django changed what {fast_path} relies on: check core/fastpath/ "
        "(or drop the fast path for the plain ORM) before upgrading."
    )


def test_model_from_db_makes_a_loaded_instance():
    """rows.instance_from_row: ``Model.from_db(db, attnames, values)``."""
    user = PoolUserFactory()
    attnames = [f.attname for f in PoolUser._meta.concrete_fields]
    values = [getattr(user, name) for name in attnames]
    made = PoolUser.from_db(DEFAULT_DB_ALIAS, attnames, values)
    assert isinstance(made, PoolUser), _says("rows.instance_from_row (from_db)")
    assert made.pk == user.pk and made.get_deferred_fields() == set(), _says(
        "rows.instance_from_row (from_db)"
    )
    assert made._state.adding is False and made._state.db == DEFAULT_DB_ALIAS, _says(
        "rows.instance_from_row (from_db's _state)"
    )


def test_db_converters_are_lists_of_three_argument_callables():
    """rows.instance_from_row: ``ops.get_db_converters(col)`` and
    ``Field.get_db_converters(connection)``, each converter called as
    ``convert(value, expression, connection)``, turn what the cursor returns
    into the field's Python value."""
    meta = PoolUser._meta
    pk_col = meta.pk.get_col(meta.db_table)
    data_field = meta.get_field("user_data")
    data_col = data_field.get_col(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(meta.pk.column)},"
            f" {connection.ops.quote_name(data_field.column)}"
            f" FROM {connection.ops.quote_name(meta.db_table)}"
            f" WHERE {connection.ops.quote_name(meta.pk.column)} = %s",
            [
                meta.pk.get_db_prep_value(
                    PoolUserFactory(user_data={"a": 1}).pk, connection
                )
            ],
        )
        raw_pk, raw_data = cursor.fetchone()
    for col, field, value, expected_type in (
        (pk_col, meta.pk, raw_pk, uuid.UUID),
        (data_col, data_field, raw_data, dict),
    ):
        converters = connection.ops.get_db_converters(col)
        converters += field.get_db_converters(connection)
        assert isinstance(converters, list), _says("rows.instance_from_row")
        for convert in converters:
            value = convert(value, col, connection)
        assert isinstance(value, expected_type), _says(
            "rows.instance_from_row (converters)"
        )


def test_state_adding_and_db_mark_an_instance_as_loaded():
    """rows.loaded: ``_state.adding`` False and ``_state.db`` set make an
    instance built by hand behave as one the ORM loaded: ``save()`` updates
    its row (with ``adding`` True, a primary key with a default is inserted)."""
    user = PoolUserFactory(display_name="Old")
    values = {f.attname: getattr(user, f.attname) for f in PoolUser._meta.fields}
    built = PoolUser(**values)
    assert built._state.adding is True, _says("rows.loaded (Model._state)")
    built._state.adding, built._state.db = False, DEFAULT_DB_ALIAS
    built.display_name = "New"
    with CaptureQueriesContext(connection) as captured:
        built.save()
    assert [q["sql"].split()[0] for q in captured] == ["UPDATE"], _says(
        "rows.loaded (Model._state.adding)"
    )
    assert PoolUser.objects.get(pk=user.pk).display_name == "New"


def test_related_set_cached_value_stands_for_select_related(
    django_assert_num_queries,
):
    """rows.cache_related: a reverse one-to-one descriptor's
    ``related.set_cached_value(instance, value)`` leaves what
    ``select_related`` leaves (the hosted pool's policies, the sign-in's
    password credential)."""
    user = PoolUser.objects.get(pk=PoolUserFactory().pk)
    related = PoolUser.password_credential.related
    assert hasattr(related, "set_cached_value"), _says("rows.cache_related")
    credential = PasswordCredential(user=user, password="x")
    related.set_cached_value(user, credential)
    with django_assert_num_queries(0):
        assert user.password_credential is credential, _says("rows.cache_related")
    pool = IdentityPool.objects.get(pk=user.pool_id)
    IdentityPool.sign_in_policy.related.set_cached_value(pool, None)
    with django_assert_num_queries(0):
        assert not hasattr(pool, "sign_in_policy"), _says("rows.cache_related")


def test_insert_query_compiles_to_insert_columns_values():
    """writes.Writes: ``InsertQuery(model).insert_values(fields, [obj])``
    compiles to one ``INSERT INTO t (columns) VALUES (placeholders)``, which
    ``_insert_parts`` splits at " VALUES (" and reuses per model."""
    event = AuditEvent(actor_type="system", action="canary")
    fields = [
        f
        for f in AuditEvent._meta.local_concrete_fields
        if not f.generated and f is not AuditEvent._meta.auto_field
    ]
    query = InsertQuery(AuditEvent)
    query.insert_values(fields, [event])
    compiled = query.get_compiler(connection=connection).as_sql()
    assert len(compiled) == 1, _says("writes.Writes (InsertQuery)")
    [(sql, params)] = compiled
    head, found, values = sql.partition(" VALUES (")
    assert found and head.startswith("INSERT INTO ") and values.endswith(")"), _says(
        f"writes.Writes (InsertQuery's SQL: {sql})"
    )
    assert values[:-1].count("%s") == len(fields) == len(params), _says(
        "writes.Writes (InsertQuery's placeholders)"
    )


def test_query_parts_that_prepared_reads():
    """prepared.Prepared: ``query.select_related`` (the dict of the joined
    relations), ``query.annotations`` (name → expression with an
    ``output_field``) and ``query.sql_with_params()``, each filter value a
    parameter."""
    queryset = (
        Identifier.objects.filter(value="canary-value")
        .select_related("user")
        .annotate(label=Concat(F("value"), Value("!")))
    )
    assert queryset.query.select_related == {"user": {}}, _says(
        "prepared.Prepared (Query.select_related)"
    )
    label = queryset.query.annotations["label"]
    assert hasattr(label.output_field, "get_db_converters"), _says(
        "prepared.Prepared (Query.annotations)"
    )
    sql, params = queryset.values_list("pk").query.sql_with_params()
    assert "canary-value" in params and "canary-value" not in sql, _says(
        "prepared.Prepared (sql_with_params)"
    )


@pytest.mark.postgresql(reason="COPY goes through psycopg's cursor on PostgreSQL")
def test_the_wrapped_cursor_offers_psycopgs_copy():
    """copy.CopyTable: Django's cursor wrapper keeps psycopg's cursor as
    ``.cursor``, whose ``copy(sql)`` gives a writer with ``write_row``."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        assert hasattr(raw, "copy"), _says("copy.CopyTable (cursor.cursor.copy)")
        cursor.execute("CREATE TEMPORARY TABLE canary_copy (a int, b text)")
        with raw.copy("COPY canary_copy (a, b) FROM STDIN") as copy:
            copy.write_row((1, "one"))
        cursor.execute("SELECT a, b FROM canary_copy")
        assert cursor.fetchall() == [(1, "one")], _says("copy.CopyTable")


@pytest.mark.postgresql(reason="server-side binding is psycopg's, on PostgreSQL")
def test_client_binding_swaps_djangos_cursor_factory():
    """sql.client_binding: Django's PostgreSQL connection makes its cursors with
    psycopg's ``cursor_factory``, its client-binding class being
    ``postgresql.base.Cursor``; set meanwhile, several statements go as one."""
    import psycopg
    from django.db.backends.postgresql import base

    from core.fastpath.sql import client_binding

    assert issubclass(base.Cursor, psycopg.ClientCursor), _says(
        "sql.client_binding (postgresql.base.Cursor)"
    )
    with client_binding(connection), connection.cursor() as cursor:
        assert isinstance(cursor.cursor, base.Cursor), _says(
            "sql.client_binding (cursor_factory)"
        )
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SELECT %s; RESET enable_seqscan", [7]
        )
        cursor.nextset()
        assert cursor.fetchall() == [(7,)], _says("sql.client_binding")
    with connection.cursor() as cursor:  # back to the configured binding
        server_side = connection.settings_dict["OPTIONS"].get("server_side_binding")
        assert isinstance(cursor.cursor, base.Cursor) is not bool(server_side)
