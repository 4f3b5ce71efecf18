"""Writes that land together, in one round trip where the database allows.

A request that ends by writing a few rows (a sign-in: its single sign-on
session, the browser's session row, the user's last sign-in time, the audit
event and the day's count) would otherwise pay a round trip per statement, a
BEGIN and a COMMIT, and the ORM's building of each statement. ``Writes``
collects the statements instead and runs them:

- on PostgreSQL as one statement of data-modifying CTEs: one round trip, one
  implicit transaction (no BEGIN or COMMIT of its own; inside the caller's
  transaction when there is one), all or nothing;
- elsewhere (SQLite) one after another in a transaction.

The parts share one snapshot on PostgreSQL: none sees another's effects, so
parts must not depend on each other's rows nor change the same row twice. A
part may run only if an earlier one changed a row (``when``) or changed none
(``unless``): a single-use claim and what it grants, an UPDATE with an INSERT
when the row was gone. INSERTs are compiled by the ORM once per model; the
values of every part are parameters.

Private Django API used here (pinned by tests/core/test_fastpath_canaries.py):
``InsertQuery`` and the shape of its compiled SQL (``INSERT INTO t (columns)
VALUES (placeholders)``), which ``_insert_parts`` splits.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery

# Per model: the INSERT's head, its values' placeholders and fields.
_INSERTS: dict = {}


def _insert_parts(obj: models.Model) -> tuple[str, str, list]:
    """(``INSERT INTO t (columns)``, the values' placeholders, parameters) of
    ``obj`` as ``Model.save(force_insert=True)`` would insert it (defaults,
    ``auto_now_add``), the SQL compiled by the ORM once per model."""
    meta = obj._meta
    if meta.auto_field is not None and obj.pk is not None:
        raise ValueError("A row with an automatic key is inserted without one.")
    if meta.label not in _INSERTS:
        fields = [
            f
            for f in meta.local_concrete_fields
            if not f.generated and f is not meta.auto_field
        ]
        query = InsertQuery(type(obj))
        query.insert_values(fields, [obj])
        [(sql, _params)] = query.get_compiler(connection=connection).as_sql()
        head, found, values = sql.partition(" VALUES (")
        if not found or not values.endswith(")"):
            raise ValueError(f"Unexpected INSERT: {sql}")
        _INSERTS[meta.label] = (head, values[:-1], fields)
    head, values, fields = _INSERTS[meta.label]
    # What SQLInsertCompiler does with each value (pre_save, then prepared).
    params = [
        f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields
    ]
    return head, values, params


class _Part(NamedTuple):
    sql: str  # the statement, or an INSERT's head (``INSERT INTO t (columns)``)
    params: list
    values: str | None = None  # an INSERT's placeholders (then ``sql`` is its head)
    when: int | None = None  # run only if this part changed a row
    unless: int | None = None  # run only if this part changed none
    tail: str = ""  # what follows an INSERT's values


class Writes:
    """Statements to run together (see the module's docstring)."""

    def __init__(self) -> None:
        self._parts: list[_Part] = []

    def _add(self, part: _Part) -> int:
        for other in (part.when, part.unless):
            if other is not None and not 0 <= other < len(self._parts):
                raise ValueError("A part can only depend on an earlier part.")
        self._parts.append(part)
        return len(self._parts) - 1

    def insert(
        self, obj: models.Model, *, when=None, unless=None, skip_taken=False
    ) -> int:
        """Insert ``obj`` (as ``save(force_insert=True)`` would), only if part
        ``when`` changed a row, or only if part ``unless`` changed none. With
        ``skip_taken``, a row whose key (or another unique value) is taken is
        not inserted, without an error: the part changed no row. Returns the
        part's index."""
        head, values, params = _insert_parts(obj)
        tail = " ON CONFLICT DO NOTHING" if skip_taken else ""
        return self._add(_Part(head, params, values, when, unless, tail))

    def update(self, model: type[models.Model], *, where: dict, **values) -> int:
        """``UPDATE`` the rows of ``model`` whose fields equal ``where`` (field
        name → value) to ``values``. Returns the part's index."""
        meta, qn = model._meta, connection.ops.quote_name
        sets, params = [], []
        for name, value in values.items():
            field = meta.get_field(name)
            sets.append(f"{qn(field.column)} = %s")
            params.append(field.get_db_prep_save(value, connection=connection))
        conditions, condition_params = _where(model, where)
        sql = f"UPDATE {qn(meta.db_table)} SET {', '.join(sets)} WHERE {conditions}"  # noqa: S608
        return self._add(_Part(sql, params + condition_params))

    def delete(self, model: type[models.Model], *, where: dict) -> int:
        """``DELETE`` the rows of ``model`` whose fields equal ``where``: rows
        nothing else points to (no cascade runs here). Returns the index."""
        conditions, params = _where(model, where)
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"DELETE FROM {table} WHERE {conditions}"  # noqa: S608
        return self._add(_Part(sql, params))

    def sql(self, sql: str, params: list) -> int:
        """One INSERT, UPDATE or DELETE statement of the caller's, with
        ``%s`` parameters and no RETURNING. Returns the part's index."""
        return self._add(_Part(sql, list(params)))

    def run(self) -> list[int]:
        """Run every part; returns the number of rows each changed (0 for a
        part that did not run)."""
        if not self._parts:
            return []
        if connection.vendor == "postgresql":
            return self._run_as_one()
        return self._run_one_by_one()

    def _run_one_by_one(self) -> list[int]:
        counts: list[int] = []
        with transaction.atomic(), connection.cursor() as cursor:
            for part in self._parts:
                if (part.when is not None and not counts[part.when]) or (
                    part.unless is not None and counts[part.unless]
                ):
                    counts.append(0)
                    continue
                sql = part.sql
                if part.values is not None:
                    sql = f"{sql} VALUES ({part.values}){part.tail}"
                cursor.execute(sql, part.params)
                counts.append(max(cursor.rowcount, 0))
        return counts

    def _run_as_one(self) -> list[int]:
        # Only part numbers and the parts' own SQL (quoted names from models,
        # or the caller's constant text) go into the statement; values are
        # parameters.
        ctes, all_params = [], []
        for i, part in enumerate(self._parts):
            sql = part.sql
            if part.values is not None:
                conditions = []
                if part.when is not None:
                    conditions.append(f"EXISTS (SELECT 1 FROM w{part.when})")  # noqa: S608
                if part.unless is not None:
                    conditions.append(f"NOT EXISTS (SELECT 1 FROM w{part.unless})")  # noqa: S608
                where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
                sql = f"{sql} SELECT {part.values}{where}{part.tail}"
            ctes.append(f"w{i} AS ({sql} RETURNING 1)")
            all_params += part.params
        counts = ", ".join(
            f"(SELECT count(*) FROM w{i})"  # noqa: S608
            for i in range(len(ctes))
        )
        with connection.cursor() as cursor:
            cursor.execute(f"WITH {', '.join(ctes)} SELECT {counts}", all_params)
            return list(cursor.fetchone())


def _where(model: type[models.Model], where: dict) -> tuple[str, list]:
    """``col = %s AND …`` for ``where`` (field name → value), and its params."""
    if not where:
        raise ValueError("Writes change named rows only.")
    meta, qn = model._meta, connection.ops.quote_name
    conditions, params = [], []
    for name, value in where.items():
        field = meta.pk if name == "pk" else meta.get_field(name)
        if value is None:
            conditions.append(f"{qn(field.column)} IS NULL")
            continue
        conditions.append(f"{qn(field.column)} = %s")
        params.append(field.get_db_prep_value(value, connection))
    return " AND ".join(conditions), params
