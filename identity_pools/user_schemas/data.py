"""Checking user data against a user schema: what is wrong, field by field, or a
yes/no answer for scanning many stored rows. Pure functions, no database access.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as JSONSchemaError
from referencing.exceptions import Unresolvable

from core.catalogue import MESSAGES, error, message
from core.patterns import pattern_search
from core.text import json_text_problems

from .claims import CLAIM_CHECKS
from .editable import EDITABLE_BY
from .fields import field_label, humanise, parse_date, parse_datetime
from .safety import (
    UnusablePattern,
    safe_validator,
    schema_safety_errors,
)

MAX_DISPLAY_NAME = 300

# ---------------------------------------------------------------------------
# Checking user data
# ---------------------------------------------------------------------------


def _check_date(value: object) -> bool:
    return not isinstance(value, str) or parse_date(value) is not None


def _check_datetime(value: object) -> bool:
    return not isinstance(value, str) or parse_datetime(value) is not None


def _check_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


_WEB_ADDRESS = URLValidator(schemes=["http", "https"])


def _check_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        _WEB_ADDRESS(value)
    except ValidationError:
        return False
    return True


FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks("date")(_check_date)
FORMAT_CHECKER.checks("date-time")(_check_datetime)
FORMAT_CHECKER.checks("email")(_check_email)
FORMAT_CHECKER.checks("uri")(_check_uri)


def _shown(value: object, limit: int = 60) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[: limit - 1] + "…")
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_words(expected: str | list[str]) -> str:
    kinds = [expected] if isinstance(expected, str) else list(expected)
    return " or ".join(
        message(f"type_word.{k}") if f"type_word.{k}" in MESSAGES else str(k)
        for k in kinds
    )


# jsonschema keyword → catalogue key of its message, and the "limit" it shows.
_KEYWORD_MESSAGES = {
    "maxLength": "data_length.too_long",
    "minimum": "data_range.minimum",
    "maximum": "data_range.maximum",
    "exclusiveMinimum": "data_range.exclusive_minimum",
    "exclusiveMaximum": "data_range.exclusive_maximum",
    "multipleOf": "data_range.multiple_of",
    "minItems": "data_items.too_few",
    "maxItems": "data_items.too_many",
}


def _describe(err: JSONSchemaError, label: str) -> ValidationError:
    """The catalogue message, with its code, for one jsonschema error about the
    field ``label``."""
    keyword, limit, value = err.validator, err.validator_value, err.instance
    shown = _shown(value)
    if keyword == "type":
        return error("data_type", label=label, expected=_type_words(limit), value=shown)
    if keyword == "minLength":
        if limit == 1:
            return error("data_length.empty", label=label)
        return error(
            "data_length.too_short", label=label, limit=limit, length=len(value)
        )
    if keyword == "pattern":
        # The property's description says what is expected; the regex does not.
        description = err.schema.get("description") if err.schema else None
        if isinstance(description, str) and description.strip():
            return error(
                "data_pattern.described",
                label=label,
                value=shown,
                description=description.strip(),
            )
        return error("data_pattern.plain", label=label, value=shown)
    if keyword == "format" and f"data_format.{limit}" in MESSAGES:
        return error(f"data_format.{limit}", label=label, value=shown)
    if keyword == "enum":
        allowed = ", ".join(_shown(v, 30) for v in limit[:10])
        more = " …" if len(limit) > 10 else ""
        return error("data_choice", label=label, value=shown, allowed=allowed + more)
    if keyword == "uniqueItems":
        return error("data_items.unique", label=label)
    if keyword in _KEYWORD_MESSAGES:
        extra = {"length": len(value)} if keyword == "maxLength" else {}
        return error(
            _KEYWORD_MESSAGES[keyword], label=label, limit=limit, value=shown, **extra
        )
    return error("data_invalid", label=label, problem=err.message)


# The fast path: renderable documents use few keywords, whose meaning is simple
# enough to check directly, about ten times faster than the general validator.
# It only ever answers "valid" for data that jsonschema accepts too; anything it
# does not understand, or data it finds wrong, goes to jsonschema for the verdict
# and the messages.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        EDITABLE_BY,
    }
)
_FAST_TOP = _ANNOTATIONS | {
    "$schema",
    "$id",
    "$defs",
    "type",
    "properties",
    "required",
    "additionalProperties",
}
_FAST_PROPERTY = _ANNOTATIONS | {
    "type",
    "enum",
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
}
_FAST_ITEMS = _ANNOTATIONS | {"type", "enum"}
_FORMAT_CHECKS: dict[str, Callable[[object], bool]] = {
    "date": _check_date,
    "date-time": _check_datetime,
    "email": _check_email,
    "uri": _check_uri,
}


def _is_json_type(value: object, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return kind == "number" or isinstance(value, int) or value.is_integer()


def _fast_rule(prop: object) -> Callable[[object], bool] | None:
    """A predicate equivalent to ``prop`` for the keywords above, or None."""
    if not isinstance(prop, dict) or not prop.keys() <= _FAST_PROPERTY:
        return None
    declared = prop.get("type")
    kinds = (declared,) if isinstance(declared, str) else tuple(declared or ())
    enum = prop.get("enum")
    if enum is not None and not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in enum
    ):
        return None
    items = prop.get("items")
    item_rule = None
    if items is not None:
        if not isinstance(items, dict) or not items.keys() <= _FAST_ITEMS:
            return None
        item_rule = _fast_rule(items)
        if item_rule is None:
            return None
    fmt = prop.get("format")
    if fmt is not None and fmt not in _FORMAT_CHECKS:
        return None
    pattern = prop.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        return None

    def rule(value: object) -> bool:
        if kinds and not any(_is_json_type(value, k) for k in kinds):
            return False
        if enum is not None and (isinstance(value, bool) or value not in enum):
            return False
        if isinstance(value, str):
            if "minLength" in prop and len(value) < prop["minLength"]:
                return False
            if "maxLength" in prop and len(value) > prop["maxLength"]:
                return False
            if pattern is not None and not pattern_search(pattern, value):
                return False
            return fmt is None or _FORMAT_CHECKS[fmt](value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return not (
                ("minimum" in prop and value < prop["minimum"])
                or ("maximum" in prop and value > prop["maximum"])
                or ("exclusiveMinimum" in prop and value <= prop["exclusiveMinimum"])
                or ("exclusiveMaximum" in prop and value >= prop["exclusiveMaximum"])
            )
        if isinstance(value, list):
            if "minItems" in prop and len(value) < prop["minItems"]:
                return False
            if "maxItems" in prop and len(value) > prop["maxItems"]:
                return False
            if item_rule is not None and not all(item_rule(v) for v in value):
                return False
            if prop.get("uniqueItems") and not (
                all(isinstance(v, str) for v in value) and len(set(value)) == len(value)
            ):
                return False
        return True

    return rule


def _fast_check(document: object) -> Callable[[dict], bool] | None:
    """A predicate "this data is valid" for simple documents, or None."""
    if not isinstance(document, dict) or not document.keys() <= _FAST_TOP:
        return None
    if document.get("type") != "object" or not isinstance(
        document.get("additionalProperties", True), bool
    ):
        return None
    rules = {}
    for name, prop in document.get("properties", {}).items():
        rule = _fast_rule(prop)
        if rule is None:
            return None
        rules[name] = rule
    required = tuple(document.get("required", ()))
    closed = document.get("additionalProperties") is False

    def valid(data: dict) -> bool:
        for name in required:
            if name not in data:
                return False
        for key, value in data.items():
            rule = rules.get(key)
            if rule is None:
                if closed:
                    return False
            elif not rule(value):
                return False
        return True

    return valid


@dataclass(frozen=True)
class _Compiled:
    validator: Draft202012Validator | None
    fast_valid: Callable[[dict], bool] | None
    properties: tuple[str, ...]
    labels: dict[str, str]
    required: tuple[str, ...]
    closed: bool
    # Why the document cannot be run (a stored document that fails a safety rule
    # added after it was saved), or "".
    unusable: str = ""
    # (property, check, message key) of the claims checked by name (claims.py).
    claims: tuple[tuple[str, Callable[[str], bool], str], ...] = ()


@lru_cache(maxsize=64)
def _compile(dump: str) -> _Compiled:
    # A private copy: the cached validator must not change when the caller's
    # document is mutated later.
    document = json.loads(dump)
    if not isinstance(document, dict):
        document = {}
    properties = document.get("properties", {})
    if not isinstance(properties, dict):
        properties = {}
    common = {
        "properties": tuple(properties),
        "labels": {name: field_label(name, prop) for name, prop in properties.items()},
        "required": tuple(document.get("required", ())),
        "closed": document.get("additionalProperties") is False,
        "claims": tuple(
            (name, *CLAIM_CHECKS[name])
            for name, prop in properties.items()
            if name in CLAIM_CHECKS
            and isinstance(prop, dict)
            and "string" in _declared_types(prop)
        ),
    }
    unsafe = schema_safety_errors(document)
    if unsafe:
        return _Compiled(
            validator=None, fast_valid=None, unusable=unsafe[0].messages[0], **common
        )
    return _Compiled(
        validator=safe_validator(document, format_checker=FORMAT_CHECKER),
        fast_valid=_fast_check(document),
        **common,
    )


Errors = dict[str, list[ValidationError]]


def _declared_types(prop: Mapping[str, Any]) -> tuple[str, ...]:
    declared = prop.get("type")
    return (declared,) if isinstance(declared, str) else tuple(declared or ())


def _claim_errors(compiled: _Compiled, data: Mapping[str, Any]) -> Errors:
    """Errors of the claims checked by property name (``zoneinfo``, ``locale``)."""
    found: Errors = {}
    for name, check, key in compiled.claims:
        value = data.get(name)
        if isinstance(value, str) and not check(value):
            label = compiled.labels.get(name, humanise(name))
            found[name] = [error(key, label=label, value=_shown(value))]
    return found


def _unusable(problem: str) -> Errors:
    return {"__all__": [error("schema_unusable", problem=problem)]}


def _errors_with(compiled: _Compiled, data: object) -> Errors:
    if not isinstance(data, dict):
        return {"__all__": [error("data_not_object")]}
    unsafe_text: Errors = {}
    for path, problem in json_text_problems(data):
        name = str(path[0]) if path else "__all__"
        subject = compiled.labels.get(name, _shown(name)) if path else ""
        unsafe_text.setdefault(name, []).append(
            error(
                f"text_invalid.{problem}",
                subject=subject or message("text_invalid.this_text"),
            )
        )
    if unsafe_text:
        return unsafe_text
    if compiled.unusable:
        return _unusable(compiled.unusable)
    if compiled.fast_valid is not None and compiled.fast_valid(data):
        return _claim_errors(compiled, data)
    found: Errors = {}

    def add(key: str, problem: ValidationError) -> None:
        problems = found.setdefault(key, [])
        if problem.message not in (p.message for p in problems):
            problems.append(problem)

    for name in compiled.required:
        if name not in data:
            add(
                name,
                error("data_required", label=compiled.labels.get(name, humanise(name))),
            )
    try:
        errors = list(compiled.validator.iter_errors(data))
    except UnusablePattern as exc:
        return _unusable(str(exc))
    except (Unresolvable, RecursionError):
        # Not reachable for documents that pass schema_safety_errors; a last
        # guard so that no stored document can turn into a server error.
        return _unusable(message("schema_unusable.unreachable"))
    for err in errors:
        path = list(err.absolute_path)
        if not path:
            if err.validator == "required":
                continue  # reported above, with the property's label
            if err.validator == "additionalProperties" and compiled.closed:
                for key in data:
                    if key not in compiled.labels:
                        add(str(key), error("data_unknown_field", key=_shown(key)))
                continue
            add("__all__", error("data_invalid.document", problem=err.message))
            continue
        name = str(path[0])
        add(name, _describe(err, compiled.labels.get(name, humanise(name))))
    for name, problems in _claim_errors(compiled, data).items():
        found.setdefault(name, problems)  # a schema error about it says enough
    order = {name: i for i, name in enumerate(compiled.properties)}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))))


def _compiled(document: Mapping[str, Any]) -> _Compiled:
    return _compile(json.dumps(document, ensure_ascii=False, separators=(",", ":")))


def schema_data_checker(
    document: Mapping[str, Any],
) -> Callable[[object], Errors]:
    """The compiled check of ``document``: call it with data, get the errors.

    For scanning many rows against one document without re-serialising the document
    for every row. Compiled validators are cached (LRU of 64) by the document's
    JSON text. A document that fails ``schema_safety_errors`` (stored before a rule
    existed) is never run: every check answers that the schema is unusable.
    """
    compiled = _compiled(document)
    return lambda data: _errors_with(compiled, data)


def schema_data_validity_checker(
    document: Mapping[str, Any],
) -> Callable[[object], bool]:
    """The compiled yes/no check of ``document``: much cheaper than
    ``schema_data_checker`` on data that fails, because no messages are built.
    For counting failures over many stored rows (whose text is clean: the
    database cannot hold NUL characters or lone surrogates)."""
    compiled = _compiled(document)
    if compiled.unusable:
        return lambda data: False
    fast = compiled.fast_valid
    is_valid = compiled.validator.is_valid
    claims = compiled.claims

    def valid(data: object) -> bool:
        if not isinstance(data, dict):
            return False
        if claims and _claim_errors(compiled, data):
            return False
        # The fast predicate, where the document allows one, decides exactly.
        if fast is not None:
            return fast(data)
        try:
            return is_valid(data)
        except (UnusablePattern, Unresolvable, RecursionError):
            return False

    return valid


def schema_data_errors(document: Mapping[str, Any], data: Mapping[str, Any]) -> Errors:
    """What is wrong with ``data`` under ``document``; an empty dict when valid.

    Keys are top-level property names (unknown keys of a closed schema are keyed by
    themselves) or ``"__all__"``; values are ValidationErrors with a catalogue code
    (``data_required``, ``data_type``, ``data_length``, ``data_format``, …) whose
    message names the field, says what is wrong and how to fix it ("Given name is
    required.", "Birthdate: '1990-13-01' is not a valid date; use YYYY-MM-DD.").
    Formats are asserted: date, date-time (RFC 3339, with a time zone), email, and
    uri (http or https with a host). A string property named ``zoneinfo`` must name
    an IANA time zone and one named ``locale`` must be a well-formed BCP 47 language
    tag (``claims.py``). Text with NUL characters or lone surrogates
    (``core.text``) is refused first.
    """
    return schema_data_checker(document)(data)


def display_name_from(data: Mapping[str, Any]) -> str:
    """The name to list a user by: ``name``, else "given_name family_name", else
    ``preferred_username``, else ``nickname``, else "". At most 300 characters."""

    def text(key: str) -> str:
        value = data.get(key)
        return " ".join(value.split()) if isinstance(value, str) else ""

    name = (
        text("name")
        or " ".join(p for p in (text("given_name"), text("family_name")) if p)
        or text("preferred_username")
        or text("nickname")
    )
    return name[:MAX_DISPLAY_NAME]


def data_with_undeclared(
    document: Mapping[str, Any], *, current: Mapping[str, Any], edited: dict
) -> dict:
    """``edited`` (values of the schema's declared properties) with the keys of
    ``current`` that the schema does not declare, when it allows extra properties.
    When it forbids them they are dropped, so that data left over from an earlier
    schema is cleaned by saving."""
    if document.get("additionalProperties", True) is False:
        return edited
    declared = document.get("properties", {})
    return {**{k: v for k, v in current.items() if k not in declared}, **edited}
