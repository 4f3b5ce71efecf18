"""Shapes every resource of the API shares: the error body, the base of request
bodies, pages with an opaque cursor, and the mapping of a service's field names
onto the request's.

Request bodies (``Body``) refuse unknown fields and text that cannot be stored
(``core.text``: NUL characters, lone surrogates), anywhere in the body, with the
JSON pointer of the offending value, before any service runs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from ninja import Field, Query, Schema
from ninja.errors import ValidationError as RequestShapeError
from pydantic import ConfigDict, model_validator
from pydantic import ValidationError as PydanticError
from pydantic_core import InitErrorDetails, PydanticCustomError

from core.catalogue import message
from core.text import json_text_problems, text_problem, text_problem_message


class ErrorItem(Schema):
    code: str = Field(description="A stable code: what the client may act on.")
    message: str = Field(description="What went wrong and what to do, in words.")
    path: str = Field(
        description='A JSON pointer into the request body ("" for the whole request).'
    )


class Errors(Schema):
    errors: list[ErrorItem]


# Every operation may answer these; declared on each so the document is truthful.
ERRORS: dict[int, type] = {
    400: Errors,
    401: Errors,
    403: Errors,
    404: Errors,
    429: Errors,
}


def responses(ok: Mapping[int, Any]) -> dict[int, Any]:
    """``ok`` (the success status and its shape) with the error responses."""
    return {**ok, **ERRORS}


class Body(Schema):
    """The base of request bodies: unknown fields are refused, and so is text
    (values and object keys, at any depth) with a NUL character or a lone
    surrogate."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        if isinstance(value, dict | list):
            problems = [
                InitErrorDetails(
                    type=PydanticCustomError(
                        "text_invalid", text_problem_message(problem)
                    ),
                    loc=path,
                    input="",
                )
                for path, problem in json_text_problems(value, limit=10)
            ]
            if problems:
                raise PydanticError.from_exception_data(cls.__name__, problems)
        return value


Name = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=1000)]
# An object of JSON values: user data, metadata, a JSON Schema document.
JsonObject = dict[str, Any]

# Opaque cursors: URL-safe base64 of the last key of the previous page.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,600}$"
LIMIT_MAX = 200
After = Annotated[
    str | None,
    Query(
        pattern=CURSOR_PATTERN,
        description="The `next` cursor of the previous page (none: the first).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=LIMIT_MAX, description="Items a page.")]


def cursor_encode(value: str | None) -> str | None:
    if value is None:
        return None
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None, key: Callable[[str], object] = str) -> str | None:
    """The key a cursor of ``cursor_encode`` holds (``key`` must accept it, e.g.
    ``uuid.UUID`` for an id); a 400 for a cursor the API did not give."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text or text_problem(text):
            raise ValueError(cursor)
        key(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise RequestShapeError(
            [
                {
                    "loc": ("query", "after"),
                    "msg": message(
                        "api_invalid",
                        detail="This cursor is not one the API gave: pass the "
                        "“next” value of the previous page as it is.",
                    ),
                }
            ]
        ) from exc
    return text


@contextmanager
def fields_renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Re-raise a service's ValidationError with its field names as the request
    body spells them (``{"identifier": "value"}``; ``"__"`` separates the parts
    of a deeper path, ``NON_FIELD_ERRORS`` names errors not tied to a field)."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            renamed = {
                names.get(field, field): errors
                for field, errors in exc.error_dict.items()
            }
        elif NON_FIELD_ERRORS in names:
            renamed = {names[NON_FIELD_ERRORS]: exc.error_list}
        else:
            raise
        raise ValidationError(renamed) from exc
