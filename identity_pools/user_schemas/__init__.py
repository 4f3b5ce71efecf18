"""User schemas: JSON Schema (draft 2020-12) documents that describe a pool's user
data and metadata, turned into the fields of "Create User" and into checks.

- ``documents``: is a document valid, safe and renderable (``schema_document_check``);
- ``safety``: references, loops and patterns (nothing fetched, bounded time);
- ``fields``: form fields from a document, and user data from a form;
- ``data``: checking user data (``schema_data_errors`` and the scanning checkers);
- ``builtin``: the built-in documents; ``forms``, ``services``, ``views``, ``urls``:
  the schema screens and every write of a schema.

The engine modules (the first four) are pure functions, no database access.
"""

from .data import (
    FORMAT_CHECKER,
    display_name_from,
    schema_data_checker,
    schema_data_errors,
    schema_data_validity_checker,
)
from .documents import MAX_DOCUMENT_BYTES, schema_document_check
from .fields import (
    humanise,
    schema_data_from_form,
    schema_form_fields,
    schema_form_initial,
)
from .safety import schema_safety_errors

__all__ = [
    "FORMAT_CHECKER",
    "MAX_DOCUMENT_BYTES",
    "display_name_from",
    "humanise",
    "schema_data_checker",
    "schema_data_errors",
    "schema_data_from_form",
    "schema_data_validity_checker",
    "schema_document_check",
    "schema_form_fields",
    "schema_form_initial",
    "schema_safety_errors",
]
