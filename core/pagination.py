"""Keyset pagination: each page costs the same at any table size (no COUNT, no OFFSET)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def cursor_value(model_field, cursor: str | None):
    """The value of ``model_field`` that ``cursor`` names; None for no cursor,
    and for one that does not parse (which means "first page")."""
    if not cursor:
        return None
    try:
        return model_field.to_python(cursor)
    except Exception:
        return None


def keyset_page(
    queryset: QuerySet,
    *,
    cursor: str | None,
    size: int = 50,
    field: str = "id",
    descending: bool = True,
) -> KeysetPage:
    """One page of ``queryset`` ordered by ``field`` (a unique, indexed column;
    newest first for time-ordered ids), starting after ``cursor`` (the last ``field``
    value of the previous page). A cursor that does not parse means "first page".
    """
    qs = queryset.order_by(f"-{field}" if descending else field)
    value = cursor_value(queryset.model._meta.get_field(field), cursor)
    if value is not None:
        qs = qs.filter(**{f"{field}__{'lt' if descending else 'gt'}": value})
    rows = list(qs[: size + 1])
    next_cursor = str(getattr(rows[size - 1], field)) if len(rows) > size else None
    return KeysetPage(
        items=rows[:size], next_cursor=next_cursor, is_first=value is None
    )
