"""Model fields."""

from __future__ import annotations

import json

from django.db import models


class OrderedJSONField(models.JSONField):
    """JSON that keeps the order of object keys as written.

    PostgreSQL's ``jsonb`` (Django's JSONField) sorts keys, which would scramble the
    order of a schema's properties, and so of the form fields made from them. This
    field uses PostgreSQL's ``json`` type, which stores the text as given. Nothing
    queries inside these documents, so jsonb's operators are not missed. Other
    databases store JSON as text already.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql" or value is None:
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        encoder = self.encoder
        return Json(value, dumps=lambda obj: json.dumps(obj, cls=encoder))

    def from_db_value(self, value, expression, connection):
        # psycopg parses ``json`` columns itself (dicts keep the stored order).
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)
