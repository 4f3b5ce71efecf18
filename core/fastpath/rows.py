"""Model instances from the rows of queries written by hand (``sql.Query``)
or compiled once (``prepared.Prepared``), as the ORM would have made them.

On the sign-in paths and the token endpoint a query built by the ORM costs
more Python than its round trip (a ``select_related`` of three relations, or a
filtered relation with subqueries: 0.5 to 2 ms a query on a 2-core machine).
``instance_from_row`` turns such a row into the instance the ORM would have
made, with the same converters; ``loaded`` and ``cache_related`` leave an
instance built by hand as a query and ``select_related`` would.

Private Django APIs used here (each pinned by a canary test,
tests/core/test_fastpath_canaries.py): ``Model.from_db``,
``ops.get_db_converters`` / ``Field.get_db_converters``, ``Model._state``
(``adding``, ``db``) and a related descriptor's ``related.set_cached_value``."""

from __future__ import annotations

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


def loaded(obj):
    """``obj`` (built by hand from a row read outside the ORM) marked as the
    ORM marks an instance it loaded: saved, from the default database (a
    ``save()`` then updates instead of inserting). Returns ``obj``."""
    obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
    return obj


def cache_related(obj, name: str, related) -> None:
    """Leave ``related`` (an instance or None) where ``select_related(name)``
    leaves a reverse one-to-one relation of ``obj``: reading ``obj.<name>``
    then runs no query (None: it raises ``RelatedObjectDoesNotExist``, as after
    a ``select_related`` that found no row)."""
    getattr(type(obj), name).related.set_cached_value(obj, related)
