"""Model instances from the rows of the sign-in paths' queries written once.

On the sign-in paths and the token endpoint a query built by the ORM costs
more Python than its round trip (a ``select_related`` of three relations, or a
filtered relation with subqueries: 0.5 to 2 ms a query on a 2-core machine).
The few queries every sign-in runs are written by hand, or built by the ORM
once per process (``Prepared``); ``instance_from_row`` turns their rows into
the instances the ORM would have made, with the same converters."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connection


def columns(model, alias: str) -> list[str]:
    """``alias.column`` of each concrete field of ``model``, quoted, in
    ``instance_from_row``'s order."""
    qn = connection.ops.quote_name
    return [f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields]


def instance_from_row(model, values):
    """An instance of ``model`` from the values of ``columns(model, ...)`` as
    the database returned them (Django's converters applied: UUIDs, JSON,
    dates on SQLite), or None when its primary key is NULL (a LEFT JOIN that
    found nothing)."""
    pk_index, attnames, converters = _shape(model, connection.vendor)
    if values[pk_index] is None:
        return None
    converted = []
    for (col, column_converters), value in zip(converters, values, strict=True):
        for convert in column_converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(DEFAULT_DB_ALIAS, attnames, converted)


@lru_cache(maxsize=64)
def _shape(model, vendor: str):
    """What ``instance_from_row`` needs of ``model``, worked out once per
    process: the primary key's position, the attribute names and
    each column's converters (the backend's, then the field's)."""
    fields = model._meta.concrete_fields
    converters = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col)
        converters.append((col, found + field.get_db_converters(connection)))
    attnames = [f.attname for f in fields]
    return fields.index(model._meta.pk), attnames, converters


class Prepared:
    """A read built and compiled by the ORM once per process and shape (its
    values change, its SQL does not), then run with each request's values and
    turned into model instances as ``first()`` (or ``list()``: ``all``) would:
    on the token endpoint and the sign-in paths the ORM's query building is
    most of a request's CPU otherwise. PostgreSQL only; elsewhere
    ``build(**values)`` runs each time.

    ``build(**values)`` makes the queryset: filters on ``values`` (str, int,
    UUID or datetime: each becomes a parameter), ``select_related`` joins
    and annotations.
    """

    SAMPLES = {
        str: lambda: "prepared-" + uuid.uuid4().hex,
        int: lambda: 2**62 + secrets.randbelow(2**40),
        uuid.UUID: uuid.uuid4,
        datetime: lambda: (
            datetime(2001, 2, 3, tzinfo=UTC)
            + timedelta(microseconds=secrets.randbelow(10**12))
        ),
    }

    def __init__(self, build):
        self.build = build
        self.compiled: dict = {}

    def _compile(self, values: dict, *, one: bool = True):
        samples = {name: self.SAMPLES[type(v)]() for name, v in values.items()}
        queryset = self.build(**samples)
        model, related = queryset.model, queryset.query.select_related or {}
        if any(related.get(name) for name in related):
            raise ValueError("One level of select_related only.")
        groups = [("", model, [f.attname for f in model._meta.concrete_fields])]
        for name in related:
            other = model._meta.get_field(name).related_model
            attnames = [f"{name}__{f.attname}" for f in other._meta.concrete_fields]
            groups.append((name, other, attnames))
        annotations = list(queryset.query.annotations)
        columns = [c for _n, _m, attnames in groups for c in attnames]
        rows = queryset.values_list(*columns, *annotations).order_by("pk")
        sql, params = (rows[:1] if one else rows).query.sql_with_params()
        positions = {
            name: [i for i, p in enumerate(params) if p == sample]
            for name, sample in samples.items()
        }
        if not all(positions.values()):
            raise ValueError(f"A value is not a parameter of {sql}")
        converters = [
            queryset.query.annotations[a].output_field.get_db_converters(connection)
            for a in annotations
        ]
        return sql, list(params), positions, groups, annotations, converters

    def first(self, key, **values):
        """What ``build(**values).first()`` returns; ``key`` names the shape
        (the same key, the same SQL)."""
        if connection.vendor != "postgresql":
            return self.build(**values).first()
        found = self._run((key, True), values)
        return found[0] if found else None

    def all(self, key, **values) -> list:
        """What ``list(build(**values).order_by("pk"))`` returns."""
        if connection.vendor != "postgresql":
            return list(self.build(**values).order_by("pk"))
        return self._run((key, False), values)

    def _run(self, key, values: dict) -> list:
        if key not in self.compiled:
            self.compiled[key] = self._compile(values, one=key[1])
        sql, params, positions, groups, annotations, converters = self.compiled[key]
        params = list(params)
        for name, indexes in positions.items():
            for i in indexes:
                params[i] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [self._instance(row, groups, annotations, converters) for row in rows]

    @staticmethod
    def _instance(row, groups, annotations, converters):
        start, objects = 0, {}
        for name, model, attnames in groups:
            part, start = row[start : start + len(attnames)], start + len(attnames)
            objects[name] = instance_from_row(model, part)
        obj = objects.pop("")
        for name, related in objects.items():
            setattr(obj, name, related)
        for name, value, column_converters in zip(
            annotations, row[start:], converters, strict=True
        ):
            for convert in column_converters:
                value = convert(value, None, connection)
            setattr(obj, name, value)
        return obj
