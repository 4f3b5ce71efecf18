"""Bulk writes of many rows of one model: COPY on PostgreSQL, one
``executemany`` INSERT elsewhere (``CopyTable``), for an import and the demo
seeder. No model's ``save()``, signals or ``auto_now`` run: the caller gives
every value.

Private API used here (pinned by tests/core/test_fastpath_canaries.py): the
psycopg cursor under Django's wrapper (``cursor.cursor``) and its ``copy()``.
Errors are ``CopyError`` (a ``ValueError``): the caller maps them to its own.
"""

from __future__ import annotations

import json

from django.db import connection, models


class CopyError(ValueError):
    """Columns or rows that do not fit the model's table."""


class CopyTable:
    """Column order for bulk writes of ``model``: the ``given`` attributes first,
    then every other concrete field with its default, so the writes keep working
    when a field with a default is added to the model."""

    def __init__(self, model: type[models.Model], given: list[str]) -> None:
        # Generated columns are the database's to fill.
        fields = {
            f.attname: f
            for f in model._meta.concrete_fields
            if not getattr(f, "generated", False)
        }
        missing = [name for name in given if name not in fields]
        if missing:
            raise CopyError(f"{model.__name__} has no field {missing}.")
        self.model = model
        self.fields = [fields[name] for name in given]
        self.fields += [f for f in fields.values() if f.attname not in given]
        self.defaults = tuple(f.get_default() for f in self.fields[len(given) :])
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]

    def insert(self, rows: list[tuple]) -> None:
        """Write ``rows`` (tuples of the ``given`` attributes' values, in
        order): COPY on PostgreSQL, one ``executemany`` INSERT elsewhere. Raises
        ``CopyError`` for a row of another width (nothing is written then)."""
        if not rows:
            return
        width = len(self.fields) - len(self.defaults)
        if any(len(row) != width for row in rows):
            raise CopyError(
                f"A {self.model.__name__} row has not {width} values "
                f"({', '.join(f.attname for f in self.fields[:width])})."
            )
        qn = connection.ops.quote_name
        table = qn(self.model._meta.db_table)
        columns = ", ".join(qn(f.column) for f in self.fields)
        if connection.vendor == "postgresql":
            self._copy(f"COPY {table} ({columns}) FROM STDIN", rows)
        else:
            self._insert_many(table, columns, rows)

    def _copy(self, sql: str, rows: list[tuple]) -> None:
        json_positions = self.json_positions
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                row = row + self.defaults
                if json_positions:
                    row = list(row)
                    for i in json_positions:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)

    def _insert_many(self, table: str, columns: str, rows: list[tuple]) -> None:
        """Portable fallback (SQLite): one ``executemany`` INSERT. Not bulk_create,
        whose ``auto_now_add`` would overwrite the spread-out ``created_at``."""
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Table and columns come from the model and are quoted; values are parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        params = [
            [
                f.get_db_prep_save(v, connection)
                for f, v in zip(self.fields, row + self.defaults, strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
