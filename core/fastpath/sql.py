"""Queries written by hand, declared by the feature code that runs them.

A feature declares its query once, at module level, as a ``Query``: a function
that writes its SQL for a database vendor (from the models' table and column
names: ``columns``, ``table``, ``column``; values are always parameters) and
the models whose rows lead each result row, in order. The SQL is written once
per process, vendor and shape; ``one``/``all`` run it and ``split`` turns a
row into those models' instances (``rows.instance_from_row``) and the columns
that follow them.

Statements that return no model (an upsert, ``ANALYZE``, a query with planner
settings for itself alone) run through ``execute``, ``execute_many``,
``analyze`` and ``planned``. This package is the only place that opens a
database cursor (tests/test_architecture.py fails on any other).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager

from django.db import connection, connections, models
from django.db.backends.postgresql import base as postgresql_base
from django.db.models import QuerySet

from .rows import instance_from_row


def table(model: type[models.Model]) -> str:
    """``model``'s table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The column of ``model``'s field ``name`` ("pk" for the primary key),
    quoted."""
    meta = model._meta
    field = meta.pk if name == "pk" else meta.get_field(name)
    return connection.ops.quote_name(field.column)


class Query:
    """A hand-written query: ``write(vendor, **shape)`` returns its SQL, or
    (SQL, fixed parameters) when parts of it are constant parameters; its rows
    start with the columns (``rows.columns``) of each of ``returns``, in
    order. ``shape`` (hashable keyword values) names variants of the SQL."""

    def __init__(
        self,
        write: Callable[..., str | tuple[str, list]],
        *,
        returns: Sequence[type[models.Model]] = (),
    ) -> None:
        self.write = write
        self.returns = tuple(returns)
        self._written: dict = {}

    def statement(self, **shape) -> tuple[str, list]:
        """The SQL for the connection's vendor and ``shape``, and its fixed
        parameters, written once per process."""
        key = (connection.vendor, *sorted(shape.items()))
        found = self._written.get(key)
        if found is None:
            written = self.write(connection.vendor, **shape)
            found = written if isinstance(written, tuple) else (written, [])
            self._written[key] = found
        return found

    def one(self, params: Sequence, **shape) -> tuple | None:
        """The first row for ``params`` (None when there is none): every
        parameter of the statement, its fixed ones included where it has them."""
        sql, _fixed = self.statement(**shape)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def all(self, params: Sequence, **shape) -> list[tuple]:
        """Every row for ``params``."""
        sql, _fixed = self.statement(**shape)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def split(self, row: Sequence) -> tuple[list, tuple]:
        """The instances of ``returns`` in ``row`` (None for a model whose
        primary key is NULL: a LEFT JOIN that found nothing), and the columns
        after them."""
        instances, start = [], 0
        for model in self.returns:
            width = len(model._meta.concrete_fields)
            instances.append(instance_from_row(model, row[start : start + width]))
            start += width
        return instances, tuple(row[start:])


def execute(sql: str, params: Sequence = ()) -> int:
    """Run one statement that returns no rows; the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def execute_many(sql: str, params: Sequence[Sequence]) -> None:
    """Run one statement once per parameter list (``executemany``)."""
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def analyze(*models_: type[models.Model]) -> None:
    """Refresh PostgreSQL's planner statistics of ``models_``' tables (after a
    bulk load); nothing elsewhere."""
    if connection.vendor != "postgresql" or not models_:
        return
    execute(f"ANALYZE {', '.join(table(m) for m in models_)}")


def planned(
    queryset: QuerySet, *, off: tuple[str, ...], wrap: str = "%s", extra=()
) -> list[tuple]:
    """The rows of ``queryset`` with the planner's ``enable_<kind>`` settings in
    ``off`` switched off for this query alone (e.g. ``("indexscan",
    "seqscan")``: bitmap scans only). ``wrap`` puts the query's SQL inside
    another statement (``%s``: where it goes), with ``extra`` parameters after
    the query's own. PostgreSQL only.

    ``SET LOCAL`` lasts until the end of the transaction: the settings, the
    query and a ``RESET`` go in one round trip, as statements sent together
    (outside a transaction they form one; inside one, the RESET puts the
    settings back). Statements sent together need client-side binding: with
    server-side binding (``config/database.py``) this one statement is bound
    client-side (``client_binding``).
    """
    using = queryset.db
    db = connections[using]
    sql, params = queryset.query.sql_with_params()
    sql, params = wrap.replace("%s", sql, 1), (*params, *extra)
    settings = [f"SET LOCAL enable_{kind} = off" for kind in off]
    resets = [f"RESET enable_{kind}" for kind in off]
    with client_binding(db), db.cursor() as c:
        c.execute("; ".join([*settings, sql, *resets]), params)
        for _ in settings:
            c.nextset()  # past the SETs' results to the query's rows
        return c.fetchall()


@contextmanager
def client_binding(db):
    """Cursors of ``db`` (PostgreSQL) made meanwhile bind their values
    client-side, as Django's default does, whatever ``server_side_binding``
    says: several statements sent as one need it. The connection's
    ``cursor_factory`` (psycopg's) is Django's client-binding ``Cursor`` until
    the block ends."""
    db.ensure_connection()
    connection_ = db.connection
    previous = connection_.cursor_factory
    connection_.cursor_factory = postgresql_base.Cursor
    try:
        yield
    finally:
        connection_.cursor_factory = previous
