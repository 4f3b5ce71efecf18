"""The user-schema engine: JSON Schema (draft 2020-12) documents as forms and checks.

Pure functions, no database access. A user schema is a JSON Schema document that the
console turns into the fields of "Create User" and that every pool user's data must
satisfy. Only documents that ``schema_document_check`` accepts are "renderable"; the
other functions assume such a document and may raise on anything else.

Renderable means: ``"type": "object"`` at the top level with ``properties``; every
property is a string, integer, number or boolean (a single type, optionally with
``"null"``), an ``enum`` of strings or numbers, or an array whose ``items`` have an
``enum`` of strings (shown as checkboxes). Strings may have the formats date,
date-time, email and uri.

User-facing messages live in ``schema_messages.MESSAGES``, keyed by code.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as JSONSchemaError
from jsonschema.exceptions import relevance
from referencing.exceptions import Unresolvable

from core.patterns import PatternError, pattern_search
from core.text import json_text_problems, text_problem_message

from .schema_messages import at as _at
from .schema_messages import document_error as _error
from .schema_messages import message
from .schema_safety import (
    SAFE_REGISTRY,
    UnusablePattern,
    safe_validator,
    schema_safety_errors,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_PROPERTIES = 100
# Renderable documents are three or four levels deep; the limit only keeps hostile
# documents from exhausting the recursion of the meta-schema check.
MAX_DEPTH = 32
MAX_DOCUMENT_ERRORS = 20
MAX_DISPLAY_NAME = 300
# Strings longer than this get a multi-line text box.
TEXTAREA_FROM = 255

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
TYPE_WORDS = {
    "string": _("text"),
    "integer": _("a whole number"),
    "number": _("a number"),
    "boolean": _("true or false"),
    "array": _("a list"),
    "object": _("an object"),
    "null": _("empty (null)"),
}
FORMAT_HINTS = {
    "date": _("%(label)s: %(value)s is not a valid date; use YYYY-MM-DD."),
    "date-time": _(
        "%(label)s: %(value)s is not a valid date and time; use "
        "YYYY-MM-DDThh:mm:ss with a time zone, e.g. 2024-05-01T09:30:00Z."
    ),
    "email": _(
        "%(label)s: %(value)s is not a valid email address; use the form "
        "name@example.com."
    ),
    "uri": _(
        "%(label)s: %(value)s is not a valid web address; use http:// or https:// "
        "and a host, e.g. https://example.com."
    ),
}


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


def _property_type(prop: Mapping[str, Any]) -> tuple[str | None, bool]:
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
        kind, _nullable = _property_type(prop)
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
    errors: list[ValidationError] = []
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


def _enum_key(value: object) -> str:
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
        key = _enum_key(value)
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


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


def humanise(name: str) -> str:
    """``family_name`` → "Family name"; ``givenName`` → "Given name"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def _label(name: str, prop: Mapping[str, Any]) -> str:
    title = prop.get("title") if isinstance(prop, dict) else None
    return title if isinstance(title, str) and title.strip() else humanise(name)


def _choices(values: Iterable[Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    mapping: dict[str, Any] = {}
    for value in values:
        mapping.setdefault(_enum_key(value), value)
    return [(key, key) for key in mapping], mapping


def _limit_validator(limit: float, *, above: bool) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None:
            return
        if (above and not value > limit) or (not above and not value < limit):
            key = "field.exclusive_minimum" if above else "field.exclusive_maximum"
            raise ValidationError(
                message(key, limit=limit),
                code="min_value" if above else "max_value",
            )

    return check


def _field_for(name: str, prop: Mapping[str, Any], *, required: bool) -> forms.Field:
    kind, _nullable = _property_type(prop)
    common: dict[str, Any] = {
        "label": _label(name, prop),
        "help_text": prop.get("description", ""),
    }
    field: forms.Field
    if kind == "array":
        choices, mapping = _choices(prop["items"]["enum"])
        field = forms.TypedMultipleChoiceField(
            choices=choices,
            coerce=mapping.__getitem__,
            empty_value=[],
            # "required" only says the key is present; [] is a valid list.
            required=required and prop.get("minItems", 0) >= 1,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    elif "enum" in prop:
        choices, mapping = _choices(prop["enum"])
        if not required:
            choices = [("", "—"), *choices]
        field = forms.TypedChoiceField(
            choices=choices,
            coerce=mapping.__getitem__,
            empty_value=None,
            required=required,
            **common,
        )
    elif kind == "boolean":
        # A required boolean must be present (true or false), not true.
        field = forms.BooleanField(required=False, **common)
    elif kind == "integer":
        low = _integer_bound(prop, "minimum", "exclusiveMinimum", math.ceil, 1)
        high = _integer_bound(prop, "maximum", "exclusiveMaximum", math.floor, -1)
        field = forms.IntegerField(
            min_value=low, max_value=high, required=required, **common
        )
    elif kind == "number":
        validators = []
        if "exclusiveMinimum" in prop:
            validators.append(_limit_validator(prop["exclusiveMinimum"], above=True))
        if "exclusiveMaximum" in prop:
            validators.append(_limit_validator(prop["exclusiveMaximum"], above=False))
        field = forms.FloatField(
            min_value=prop.get("minimum"),
            max_value=prop.get("maximum"),
            validators=validators,
            required=required,
            **common,
        )
    else:
        field = _string_field(prop, required=required, common=common)
    if "default" in prop:
        field.initial = _initial_value(prop, prop["default"])
    return field


def _integer_bound(
    prop: Mapping[str, Any],
    inclusive: str,
    exclusive: str,
    rounding: Callable[[float], int],
    step: int,
) -> int | None:
    bounds = []
    if inclusive in prop:
        bounds.append(rounding(prop[inclusive]))
    if exclusive in prop:
        limit = prop[exclusive]
        bounds.append(
            int(limit) + step if float(limit).is_integer() else rounding(limit)
        )
    if not bounds:
        return None
    return max(bounds) if step > 0 else min(bounds)


class _PatternValidator:
    """A form field's ``pattern`` check, run by RE2 (``core.patterns``) in time
    linear in the value's length, like every operator-written pattern."""

    def __init__(self, pattern: str, text: str) -> None:
        self.pattern, self.text = pattern, text

    def __call__(self, value: object) -> None:
        try:
            matched = pattern_search(self.pattern, str(value))
        except PatternError as exc:
            raise ValidationError(
                message(
                    "schema_unusable",
                    problem=str(UnusablePattern(self.pattern, exc.reason)),
                ),
                code="schema_unusable",
            ) from exc
        if not matched:
            raise ValidationError(self.text, code="invalid")


def _string_field(
    prop: Mapping[str, Any], *, required: bool, common: dict[str, Any]
) -> forms.Field:
    fmt = prop.get("format")
    lengths = {
        arg: prop[key]
        for arg, key in (("max_length", "maxLength"), ("min_length", "minLength"))
        if key in prop
    }
    validators = []
    if "pattern" in prop:
        validators.append(
            _PatternValidator(
                prop["pattern"],
                message(
                    "field.pattern", label=common["label"], pattern=prop["pattern"]
                ),
            )
        )
    if fmt == "date":
        return forms.DateField(
            input_formats=["%Y-%m-%d"],
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            required=required,
            **common,
        )
    if fmt == "date-time":
        return forms.DateTimeField(
            input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
            widget=forms.DateTimeInput(
                attrs={"type": "datetime-local", "step": "1"},
                format="%Y-%m-%dT%H:%M:%S",
            ),
            required=required,
            **common,
        )
    if fmt == "email":
        return forms.EmailField(
            validators=validators, required=required, **lengths, **common
        )
    if fmt == "uri":
        validators.append(
            URLValidator(schemes=["http", "https"], message=message("field.url"))
        )
        return forms.URLField(
            assume_scheme="https",
            validators=validators,
            required=required,
            **lengths,
            **common,
        )
    max_length = prop.get("maxLength")
    widget = (
        forms.Textarea(attrs={"rows": 4})
        if max_length is not None and max_length > TEXTAREA_FROM
        else forms.TextInput
    )
    return forms.CharField(
        widget=widget, validators=validators, required=required, **lengths, **common
    )


def schema_form_fields(
    document: Mapping[str, Any], *, prefix: str = ""
) -> dict[str, forms.Field]:
    """One form field per property of ``document``, in the order of its
    ``properties`` (the order the operator wrote them in, which the model keeps).

    Field names are ``prefix + property name``. Fields check shape (type, length,
    range, format, pattern, allowed values); ``schema_data_errors`` on the result of
    ``schema_data_from_form`` remains the authority (``multipleOf``, item counts).
    ``document`` must have passed ``schema_document_check``.
    """
    required = set(document.get("required", ()))
    return {
        prefix + name: _field_for(name, prop, required=name in required)
        for name, prop in document.get("properties", {}).items()
    }


def _to_json(prop: Mapping[str, Any], value: Any) -> Any:
    kind, _nullable = _property_type(prop)
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | float) and kind in ("integer", "number"):
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, tuple | list):
        return list(value)
    return value


def schema_data_from_form(
    document: Mapping[str, Any], cleaned_data: Mapping[str, Any], *, prefix: str = ""
) -> dict[str, Any]:
    """The JSON-ready user data of a valid form built by ``schema_form_fields``.

    Dates become ``YYYY-MM-DD``, date-times ISO 8601 in UTC (``...Z``), numbers
    ``int`` when whole. Empty optional values (``""``, ``None``, ``[]``) are left
    out. Booleans: a checkbox cannot say "not given", so an unticked box is kept as
    ``false`` only for a required property; an optional one is left out (and so
    reads as unticked again). A required list is kept even when empty.
    """
    required = set(document.get("required", ()))
    data: dict[str, Any] = {}
    for name, prop in document.get("properties", {}).items():
        key = prefix + name
        if key not in cleaned_data:
            continue
        value = _to_json(prop, cleaned_data[key])
        if value is None or value == "" or value is False:
            if value is False and name in required:
                data[name] = False
            continue
        if value == [] and name not in required:
            continue
        data[name] = value
    return data


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _parse_date(value: str) -> dt.date | None:
    if not _DATE_RE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value: str) -> dt.datetime | None:
    if not _DATETIME_RE.fullmatch(value):
        return None
    try:
        return dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


def _initial_value(prop: Mapping[str, Any], value: Any) -> Any:
    kind, _nullable = _property_type(prop)
    if kind == "array" and isinstance(value, list):
        return [_enum_key(v) for v in value]
    if "enum" in prop:
        return _enum_key(value)
    if isinstance(value, str) and prop.get("format") == "date":
        return _parse_date(value) or value
    if isinstance(value, str) and prop.get("format") == "date-time":
        parsed = _parse_datetime(value)
        return timezone.localtime(parsed) if parsed else value
    return value


def schema_form_initial(
    document: Mapping[str, Any], data: Mapping[str, Any], *, prefix: str = ""
) -> dict[str, Any]:
    """Form initial values for ``data`` (the reverse of ``schema_data_from_form``).

    Only declared properties with a non-null value appear. Dates and date-times that
    do not parse stay as text, so the operator sees (and can fix) what is stored.
    """
    properties = document.get("properties", {})
    return {
        prefix + name: _initial_value(properties[name], value)
        for name, value in data.items()
        if name in properties and value is not None
    }


# ---------------------------------------------------------------------------
# Checking user data
# ---------------------------------------------------------------------------


def _check_date(value: object) -> bool:
    return not isinstance(value, str) or _parse_date(value) is not None


def _check_datetime(value: object) -> bool:
    return not isinstance(value, str) or _parse_datetime(value) is not None


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
    return " or ".join(str(TYPE_WORDS.get(k, k)) for k in kinds)


def _describe(err: JSONSchemaError, label: str) -> str:
    keyword, limit, value = err.validator, err.validator_value, err.instance
    shown = _shown(value)
    if keyword == "type":
        return f"{label}: must be {_type_words(limit)}, not {shown}."
    if keyword == "minLength":
        if limit == 1:
            return f"{label} cannot be empty."
        return (
            f"{label}: must be at least {limit} characters long; it has {len(value)}."
        )
    if keyword == "maxLength":
        return (
            f"{label}: must be at most {limit} characters long; it has "
            f"{len(value)}. Shorten it."
        )
    if keyword == "pattern":
        return f"{label}: {shown} is not in the expected format (pattern {limit})."
    if keyword == "format" and limit in FORMAT_HINTS:
        return str(FORMAT_HINTS[limit]) % {"label": label, "value": shown}
    if keyword == "enum":
        allowed = ", ".join(_shown(v, 30) for v in limit[:10])
        more = " …" if len(limit) > 10 else ""
        return f"{label}: {shown} is not allowed; choose one of {allowed}{more}."
    if keyword == "minimum":
        return f"{label}: must be {limit} or more, not {shown}."
    if keyword == "maximum":
        return f"{label}: must be {limit} or less, not {shown}."
    if keyword == "exclusiveMinimum":
        return f"{label}: must be more than {limit}, not {shown}."
    if keyword == "exclusiveMaximum":
        return f"{label}: must be less than {limit}, not {shown}."
    if keyword == "multipleOf":
        return f"{label}: must be a multiple of {limit}, not {shown}."
    if keyword == "minItems":
        return f"{label}: choose at least {limit}."
    if keyword == "maxItems":
        return f"{label}: choose at most {limit}."
    if keyword == "uniqueItems":
        return f"{label}: each choice may appear only once."
    return f"{label}: {err.message}."


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
        "labels": {name: _label(name, prop) for name, prop in properties.items()},
        "required": tuple(document.get("required", ())),
        "closed": document.get("additionalProperties") is False,
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


def _unusable(problem: str) -> dict[str, list[str]]:
    return {"__all__": [message("schema_unusable", problem=problem)]}


def _errors_with(compiled: _Compiled, data: object) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {"__all__": [str(_("The data must be a JSON object."))]}
    unsafe_text = {
        str(path[0]) if path else "__all__": [
            text_problem_message(
                problem,
                subject=compiled.labels.get(str(path[0]), _shown(path[0]))
                if path
                else _("The data"),
            )
        ]
        for path, problem in json_text_problems(data)
    }
    if unsafe_text:
        return unsafe_text
    if compiled.unusable:
        return _unusable(compiled.unusable)
    if compiled.fast_valid is not None and compiled.fast_valid(data):
        return {}
    found: dict[str, list[str]] = {}

    def add(key: str, text: str) -> None:
        messages = found.setdefault(key, [])
        if text not in messages:
            messages.append(text)

    for name in compiled.required:
        if name not in data:
            add(name, f"{compiled.labels.get(name, humanise(name))} is required.")
    try:
        errors = list(compiled.validator.iter_errors(data))
    except UnusablePattern as exc:
        return _unusable(str(exc))
    except (Unresolvable, RecursionError):
        # Not reachable for documents that pass schema_safety_errors; a last
        # guard so that no stored document can turn into a server error.
        return _unusable(str(_("it refers to a schema it cannot reach.")))
    for err in errors:
        path = list(err.absolute_path)
        if not path:
            if err.validator == "required":
                continue  # reported above, with the property's label
            if err.validator == "additionalProperties" and compiled.closed:
                for key in data:
                    if key not in compiled.labels:
                        add(
                            str(key),
                            f"{_shown(key)} is not a field of this schema; remove it.",
                        )
                continue
            add("__all__", err.message)
            continue
        name = str(path[0])
        add(name, _describe(err, compiled.labels.get(name, humanise(name))))
    order = {name: i for i, name in enumerate(compiled.properties)}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], len(order))))


def _compiled(document: Mapping[str, Any]) -> _Compiled:
    return _compile(json.dumps(document, ensure_ascii=False, separators=(",", ":")))


def schema_data_checker(
    document: Mapping[str, Any],
) -> Callable[[object], dict[str, list[str]]]:
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

    def valid(data: object) -> bool:
        if not isinstance(data, dict):
            return False
        # The fast predicate, where the document allows one, decides exactly.
        if fast is not None:
            return fast(data)
        try:
            return is_valid(data)
        except (UnusablePattern, Unresolvable, RecursionError):
            return False

    return valid


def schema_data_errors(
    document: Mapping[str, Any], data: Mapping[str, Any]
) -> dict[str, list[str]]:
    """What is wrong with ``data`` under ``document``; an empty dict when valid.

    Keys are top-level property names (unknown keys of a closed schema are keyed by
    themselves) or ``"__all__"``; each message names the field, says what is wrong
    and how to fix it ("Given name is required.", "Birthdate: '1990-13-01' is not a
    valid date; use YYYY-MM-DD."). Formats are asserted: date, date-time (RFC 3339,
    with a time zone), email, and uri (http or https with a host).
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
