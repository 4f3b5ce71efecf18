"""Checking a user schema document: valid JSON Schema (draft 2020-12), safe to run
(``safety``), and renderable as the fields of "Create User".

Renderable means: ``"type": "object"`` at the top level with ``properties``; every
property is a string, integer, number or boolean (a single type, optionally with
``"null"``), an ``enum`` of strings or numbers, or an array whose ``items`` have an
``enum`` of strings (shown as checkboxes). Strings may have the formats date,
date-time, email and uri. Pure functions, no database access.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import relevance

from core.catalogue import at as _at
from core.catalogue import located_error as _error
from core.catalogue import message
from core.text import json_text_problems, text_problem_message

from .editable import EDITABLE_BY, USER
from .editable import VALUES as EDITABLE_BY_VALUES
from .safety import (
    SAFE_REGISTRY,
    schema_safety_errors,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_PROPERTIES = 100
# Renderable documents are three or four levels deep; the limit only keeps hostile
# documents from exhausting the recursion of the meta-schema check.
MAX_DEPTH = 32
MAX_DOCUMENT_ERRORS = 20

PROPERTY_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
SCALAR_TYPES = ("string", "integer", "number", "boolean")
SUPPORTED_FORMATS = ("date", "date-time", "email", "uri")
# Keywords a form field cannot express (they combine or reference other schemas,
# or describe nested structures). Refused at the top level and in properties.
COMBINING_KEYWORDS = frozenset(
    {
        "$ref",
        "$dynamicRef",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "dependentSchemas",
    }
)
PROPERTY_ONLY_UNSUPPORTED = frozenset(
    {
        "const",
        "properties",
        "additionalProperties",
        "unevaluatedProperties",
        "propertyNames",
        "dependentRequired",
        "prefixItems",
        "contains",
        "unevaluatedItems",
    }
)


# How a JSON type reads in a message ("Age: must be a whole number").

# ---------------------------------------------------------------------------
# Checking a document
# ---------------------------------------------------------------------------


def _depth(document: object) -> int:
    """Nesting depth of containers, iteratively (no recursion on hostile input)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[object] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in children)
    return deepest


# The meta-schema's "regex" format would compile patterns with Python's re; the
# safety check compiles them with RE2 instead, with messages that say why.
_META_VALIDATOR = Draft202012Validator(
    Draft202012Validator.META_SCHEMA,
    format_checker=FormatChecker(
        formats=[
            name
            for name in Draft202012Validator.FORMAT_CHECKER.checkers
            if name != "regex"
        ]
    ),
    registry=SAFE_REGISTRY,
)


def schema_document_check(document: object) -> None:
    """Raise ValidationError unless ``document`` is a renderable 2020-12 user schema.

    The error holds a list of errors, each with a code and a message that starts
    with the JSON pointer of the problem ("At /properties/age/type: ..."):

    - ``schema_invalid``: not JSON, text with NUL characters or lone surrogates
      (``core.text``), another draft, or not a valid JSON Schema;
    - ``schema_too_large``: over 64 KiB as compact UTF-8 JSON, nested deeper than
      32 levels, or more than 100 properties;
    - ``schema_reference`` and ``schema_pattern``: the document is unsafe to run
      (``schema_safety.schema_safety_errors``: references that leave the document
      or loop, patterns RE2 cannot run);
    - ``schema_unrenderable``: valid JSON Schema that "Create User" cannot show
      (nested objects, references and combinators, unsupported formats, field
      names that are not identifiers, ``required`` naming undeclared properties).

    Safety and renderability are checked only when the document is valid JSON
    Schema; renderability only when it is safe.
    """
    if _depth(document) > MAX_DEPTH:
        raise ValidationError([_error("schema_too_large.depth", limit=MAX_DEPTH)])
    unsafe_text = [
        _error(
            "schema_invalid.text",
            path,
            problem=text_problem_message(problem, subject="the text"),
        )
        for path, problem in json_text_problems(document)
    ]
    if unsafe_text:
        raise ValidationError(unsafe_text)
    try:
        dump = json.dumps(
            document, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    except (TypeError, ValueError) as exc:
        raise ValidationError([_error("schema_invalid.not_json")]) from exc
    size = len(dump.encode())
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            [_error("schema_too_large.bytes", size=size, limit=MAX_DOCUMENT_BYTES)]
        )
    declared_draft = document.get("$schema") if isinstance(document, dict) else None
    if declared_draft is not None and str(declared_draft).rstrip("#") != DRAFT_2020_12:
        raise ValidationError(
            [_error("schema_invalid.draft", ["$schema"], draft=DRAFT_2020_12)]
        )
    errors = _meta_errors(document)
    if not errors:
        errors = schema_safety_errors(document) or _renderability_errors(document)
    if errors:
        raise ValidationError(errors[:MAX_DOCUMENT_ERRORS])


def _meta_errors(document: object) -> list[ValidationError]:
    found: list[ValidationError] = []
    seen: set[str] = set()
    errors = _META_VALIDATOR.iter_errors(document)
    for err in sorted(
        errors, key=lambda e: (list(map(str, e.absolute_path)), relevance(e))
    ):
        path = list(err.absolute_path)
        problem = err.message
        if path and path[-1] == "type" and err.validator == "anyOf":
            problem = f"{problem}. {message('schema_invalid.type_hint')}"
        text = message("schema_invalid.meta", at=_at(path), problem=problem)
        if text not in seen:
            seen.add(text)
            found.append(ValidationError(text, code="schema_invalid"))
    return found


def _renderability_errors(document: object) -> list[ValidationError]:
    if not isinstance(document, dict):
        return [_error("schema_unrenderable.not_object")]
    errors: list[ValidationError] = []
    if document.get("type") != "object":
        path = ["type"] if "type" in document else []
        errors.append(_error("schema_unrenderable.not_object", path))
    properties = document.get("properties")
    if not isinstance(properties, dict):
        path = ["properties"] if "properties" in document else []
        errors.append(_error("schema_unrenderable.no_properties", path))
        return errors
    for keyword in document:
        if keyword in COMBINING_KEYWORDS:
            errors.append(
                _error("schema_unrenderable.keyword", [keyword], keyword=keyword)
            )
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if not isinstance(document.get(keyword, False), bool):
            errors.append(_error("schema_unrenderable.additional", [keyword]))
    if len(properties) > MAX_PROPERTIES:
        errors.append(
            _error(
                "schema_too_large.properties",
                ["properties"],
                count=len(properties),
                limit=MAX_PROPERTIES,
            )
        )
        return errors
    for name, prop in properties.items():
        path = ["properties", name]
        if not PROPERTY_NAME_RE.fullmatch(name):
            errors.append(
                _error("schema_unrenderable.property_name", path, name=repr(name))
            )
        errors.extend(_property_errors(prop, path))
    for index, name in enumerate(document.get("required", [])):
        if name not in properties:
            errors.append(
                _error(
                    "schema_unrenderable.required_unknown",
                    ["required", index],
                    name=name,
                )
            )
    return errors


def property_type(prop: Mapping[str, Any]) -> tuple[str | None, bool]:
    """(the one non-null type or None, whether null is allowed). Raises ValueError
    for several non-null types."""
    declared = prop.get("type")
    if declared is None:
        return None, False
    if isinstance(declared, str):
        return declared, declared == "null"
    others = [t for t in declared if t != "null"]
    if len(others) != 1:
        raise ValueError(declared)
    return others[0], len(others) != len(declared)


def _property_errors(prop: object, path: list[str | int]) -> list[ValidationError]:
    if not isinstance(prop, dict):
        return [_error("schema_unrenderable.boolean_schema", path)]
    unsupported = [
        k for k in prop if k in COMBINING_KEYWORDS or k in PROPERTY_ONLY_UNSUPPORTED
    ]
    try:
        kind, _nullable = property_type(prop)
    except ValueError:
        return [_error("schema_unrenderable.many_types", [*path, "type"])]
    if kind == "object":
        return [_error("schema_unrenderable.nested_object", path)]
    if unsupported:
        return [
            _error("schema_unrenderable.keyword", [*path, k], keyword=k)
            for k in unsupported
        ]
    if kind == "null":
        return [_error("schema_unrenderable.many_types", [*path, "type"])]
    errors: list[ValidationError] = _editable_by_errors(prop, path)
    if kind == "array":
        errors.extend(_array_errors(prop, path))
    elif "enum" in prop:
        errors.extend(_enum_errors(prop["enum"], kind, [*path, "enum"]))
    elif kind is None:
        errors.append(_error("schema_unrenderable.no_type", path))
    if "format" in prop:
        if kind != "string":
            errors.append(_error("schema_unrenderable.format_type", [*path, "format"]))
        elif prop["format"] not in SUPPORTED_FORMATS:
            errors.append(
                _error(
                    "schema_unrenderable.format",
                    [*path, "format"],
                    format=prop["format"],
                    supported=", ".join(SUPPORTED_FORMATS),
                )
            )
    for low, high in (
        ("minLength", "maxLength"),
        ("minimum", "maximum"),
        ("minItems", "maxItems"),
    ):
        if low in prop and high in prop and prop[low] > prop[high]:
            errors.append(_error("schema_invalid.min_max", path, low=low, high=high))
    return errors


def _editable_by_errors(
    prop: Mapping[str, Any], path: list[str | int]
) -> list[ValidationError]:
    """Our ``x-editable-by`` annotation (``editable``): "user" or "operator",
    and not "user" beside ``"readOnly": true``."""
    if EDITABLE_BY not in prop:
        return []
    value = prop[EDITABLE_BY]
    if value not in EDITABLE_BY_VALUES:
        return [
            _error(
                "schema_invalid.editable_by",
                [*path, EDITABLE_BY],
                value=json.dumps(value, ensure_ascii=False)[:60],
            )
        ]
    if value == USER and prop.get("readOnly") is True:
        return [_error("schema_invalid.editable_by_read_only", [*path, EDITABLE_BY])]
    return []


def _array_errors(
    prop: Mapping[str, Any], path: list[str | int]
) -> list[ValidationError]:
    items = prop.get("items")
    if not isinstance(items, dict) or "enum" not in items:
        return [_error("schema_unrenderable.array", path)]
    extra = [
        k
        for k in items
        if k in COMBINING_KEYWORDS or k in PROPERTY_ONLY_UNSUPPORTED or k == "format"
    ]
    if extra or items.get("type", "string") not in ("string", ["string"]):
        return [_error("schema_unrenderable.array", [*path, "items"])]
    return _enum_errors(items["enum"], "string", [*path, "items", "enum"])


def enum_key(value: object) -> str:
    """The text of an allowed value in a form (integral floats read as integers)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _enum_value_fits(value: object, kind: str | None) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return kind in (None, "string") and value != ""
    if isinstance(value, int | float):
        if kind == "integer":
            return isinstance(value, int) or value.is_integer()
        return kind in (None, "number")
    return False


def _enum_errors(
    values: list[Any], kind: str | None, path: list[str | int]
) -> list[ValidationError]:
    if kind == "boolean":
        return [_error("schema_unrenderable.boolean_enum", path)]
    if not values:
        return [_error("schema_unrenderable.enum_empty", path)]
    seen: dict[str, object] = {}
    for index, value in enumerate(values):
        if not _enum_value_fits(value, kind):
            return [
                _error(
                    "schema_unrenderable.enum_values",
                    [*path, index],
                    value=json.dumps(value),
                )
            ]
        key = enum_key(value)
        if key in seen and seen[key] != value:
            return [
                _error(
                    "schema_unrenderable.enum_duplicate",
                    [*path, index],
                    value=f"{json.dumps(seen[key])} and {json.dumps(value)}",
                )
            ]
        seen[key] = value
    return []
