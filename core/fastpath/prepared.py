"""Reads built and compiled by the ORM once per process (``Prepared``).

Private Django APIs used here (pinned by tests/core/test_fastpath_canaries.py):
``Query.select_related`` (the dict ``select_related`` fills),
``Query.annotations``, ``Query.sql_with_params`` (each filter value a
parameter, in order) and the converters of ``rows``."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from django.db import connection

from .rows import instance_from_row


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
