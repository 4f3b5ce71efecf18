"""Form fields from a user schema, and the user data from a bound form (and back).

Pure functions, no database access; documents are assumed to have passed
``documents.schema_document_check``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from core.catalogue import message
from core.patterns import PatternError, pattern_search

from .documents import enum_key, property_type
from .editable import OPERATOR, editable_by
from .safety import (
    UnusablePattern,
)

# Strings longer than this get a multi-line text box.
TEXTAREA_FROM = 255

# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


def humanise(name: str) -> str:
    """``family_name`` → "Family name"; ``givenName`` → "Given name"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def field_label(name: str, prop: Mapping[str, Any]) -> str:
    title = prop.get("title") if isinstance(prop, dict) else None
    return title if isinstance(title, str) and title.strip() else humanise(name)


def _choices(values: Iterable[Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    mapping: dict[str, Any] = {}
    for value in values:
        mapping.setdefault(enum_key(value), value)
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
    kind, _nullable = property_type(prop)
    common: dict[str, Any] = {
        "label": field_label(name, prop),
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
        # A required list starts empty too, so that nobody saves its first value
        # by not looking; leaving it empty is then an error.
        choices = [("", "—" if not required else message("field.choose")), *choices]
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
    # The console marks it (components/field.html); public forms never have it.
    field.operator_only = editable_by(prop) == OPERATOR
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


def pattern_text(prop: Mapping[str, Any], common: Mapping[str, Any]) -> str:
    """What a value that fails the property's ``pattern`` is told: the property's
    description (which says what is expected) or a plain message; never the raw
    regular expression, which operators write and people cannot read."""
    description = prop.get("description")
    if isinstance(description, str) and description.strip():
        return message(
            "field.pattern_described",
            label=common["label"],
            description=description.strip(),
        )
    return message("field.pattern_plain", label=common["label"])


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
            _PatternValidator(prop["pattern"], pattern_text(prop, common))
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
        field = forms.URLField(
            assume_scheme="https",
            # Field.run_validators replaces a validator's message by the field's
            # message of the same code: make that ours, not "Enter a valid URL."
            error_messages={"invalid": message("field.url")},
            validators=validators,
            required=required,
            **lengths,
            **common,
        )
        # Ours instead of URLField's own URLValidator, which would say "Enter a
        # valid URL." a second time for the same value.
        field.validators = [
            v
            for v in field.validators
            if not any(v is d for d in forms.URLField.default_validators)
        ]
        return field
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
    kind, _nullable = property_type(prop)
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


def parse_date(value: str) -> dt.date | None:
    if not _DATE_RE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: str) -> dt.datetime | None:
    if not _DATETIME_RE.fullmatch(value):
        return None
    try:
        return dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


def _initial_value(prop: Mapping[str, Any], value: Any) -> Any:
    kind, _nullable = property_type(prop)
    if kind == "array" and isinstance(value, list):
        return [enum_key(v) for v in value]
    if "enum" in prop:
        return enum_key(value)
    if isinstance(value, str) and prop.get("format") == "date":
        return parse_date(value) or value
    if isinstance(value, str) and prop.get("format") == "date-time":
        parsed = parse_datetime(value)
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


def schema_subset(document: Mapping[str, Any], names: Iterable[str]) -> dict:
    """A document with only the properties ``names`` of ``document`` (all of them
    required when they were), for a form that asks for some fields only."""
    names = list(names)
    properties = document.get("properties", {})
    required = set(document.get("required", ()))
    return {
        "type": "object",
        "properties": {n: properties[n] for n in names if n in properties},
        "required": [n for n in names if n in required],
    }
