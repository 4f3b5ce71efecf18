"""The user-facing messages of the user-schema engine, keyed by code (``code`` or
``code.reason`` when one code has several explanations), and the JSON-pointer
locations they start with ("At /properties/age/type: ...")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Any] = {
    # schema_document_check
    "schema_invalid.not_json": _(
        "The schema must be plain JSON: objects, arrays, strings, finite numbers, "
        "true, false and null."
    ),
    "schema_invalid.meta": "%(at)s: %(problem)s",
    "schema_invalid.type_hint": _(
        "Use one of: string, integer, number, boolean, array, object, null."
    ),
    "schema_invalid.draft": _(
        '%(at)s: only JSON Schema draft 2020-12 is supported. Set "$schema" to '
        '"%(draft)s" or leave it out.'
    ),
    "schema_invalid.min_max": _(
        "%(at)s: %(low)s is greater than %(high)s, so no value can be valid. "
        "Lower %(low)s or raise %(high)s."
    ),
    "schema_invalid.text": "%(at)s: %(problem)s",
    "schema_reference.outside": _(
        '%(at)s: "%(ref)s" points outside this schema. References may only point '
        'inside the document, e.g. "#/$defs/name"; other documents and addresses '
        "are never fetched."
    ),
    "schema_reference.missing": _(
        '%(at)s: "%(ref)s" points to nothing in this schema. Point it at a schema '
        'that exists, e.g. "#/$defs/name".'
    ),
    "schema_reference.cycle": _(
        '%(at)s: "%(ref)s" leads back to itself, so checking data against it would '
        "never end. A user schema cannot be recursive: remove the loop."
    ),
    "schema_reference.nested_id": _(
        '%(at)s: "%(keyword)s" is only allowed at the top level of a user schema. '
        "Remove it here."
    ),
    "schema_pattern": _(
        "%(at)s: the pattern %(pattern)s cannot be used: %(reason)s. Patterns are "
        "checked with RE2, which guarantees a quick answer for any input; write "
        "the pattern without look-around or backreferences."
    ),
    "schema_unusable": _(
        "The pool's schema cannot be used to check data: %(problem)s An operator "
        "must fix the schema under Schemas."
    ),
    "schema_too_large.bytes": _(
        "The schema is %(size)s bytes long; the limit is %(limit)s bytes. "
        "Remove properties or shorten descriptions."
    ),
    "schema_too_large.depth": _(
        "The schema is nested more than %(limit)s levels deep. A user schema needs "
        "only a few levels: the object, its properties and their settings."
    ),
    "schema_too_large.references": _(
        "The schema has %(count)s references ($ref, $dynamicRef); the limit is "
        "%(limit)s."
    ),
    "schema_too_large.properties": _(
        "%(at)s: the schema has %(count)s properties; the limit is %(limit)s."
    ),
    "schema_unrenderable.not_object": _(
        '%(at)s: a user schema must be a JSON object with "type": "object" and '
        '"properties", e.g. {"type": "object", "properties": {"given_name": '
        '{"type": "string"}}}.'
    ),
    "schema_unrenderable.no_properties": _(
        '%(at)s: the schema needs "properties": an object that maps each field name '
        "to its schema."
    ),
    "schema_unrenderable.keyword": _(
        '%(at)s: "%(keyword)s" cannot be shown as a form. Describe each field '
        "directly in properties with a type, an enum or a format."
    ),
    "schema_unrenderable.additional": _(
        "%(at)s: only true or false is supported here; extra fields of a given "
        "shape cannot be shown as a form."
    ),
    "schema_unrenderable.property_name": _(
        "%(at)s: %(name)s cannot be a field name. Use 1 to 64 letters, digits and "
        "underscores, starting with a letter or underscore, e.g. family_name."
    ),
    "schema_unrenderable.boolean_schema": _(
        "%(at)s: a property must be a schema object with a type, e.g. "
        '{"type": "string"}, not true or false.'
    ),
    "schema_unrenderable.nested_object": _(
        "%(at)s: nested objects cannot be shown as a form field. Use string, "
        "integer, number or boolean properties."
    ),
    "schema_unrenderable.many_types": _(
        '%(at)s: a property needs exactly one type (optionally with "null"), one '
        "of string, integer, number, boolean or array."
    ),
    "schema_unrenderable.no_type": _(
        '%(at)s: give the property a "type" (string, integer, number or boolean) '
        'or an "enum" of allowed values.'
    ),
    "schema_unrenderable.array": _(
        '%(at)s: a list is shown as checkboxes and needs "items" with an "enum" of '
        'strings, e.g. {"type": "array", "items": {"enum": ["news", "offers"]}}.'
    ),
    "schema_unrenderable.enum_values": _(
        "%(at)s: the allowed values must be non-empty strings or numbers that match "
        'the property\'s "type"; %(value)s is not.'
    ),
    "schema_unrenderable.enum_empty": _(
        '%(at)s: "enum" needs at least one allowed value.'
    ),
    "schema_unrenderable.enum_duplicate": _(
        "%(at)s: the allowed values %(value)s appear twice when written as text. "
        "Make every value distinct."
    ),
    "schema_unrenderable.boolean_enum": _(
        '%(at)s: a boolean is shown as a checkbox; remove "enum".'
    ),
    "schema_unrenderable.format": _(
        '%(at)s: the format "%(format)s" cannot be shown as a form field. Use one '
        "of: %(supported)s, or remove the format."
    ),
    "schema_unrenderable.format_type": _(
        '%(at)s: "format" applies to strings only. Set "type": "string" or remove '
        "the format."
    ),
    "schema_unrenderable.required_unknown": _(
        '%(at)s: "%(name)s" is required but not declared in "properties". Declare '
        'it or remove it from "required".'
    ),
    # schema_form_fields
    "field.pattern": _(
        "Enter a valid %(label)s: it must match the pattern %(pattern)s."
    ),
    "field.url": _("Enter a web address that starts with http:// or https://."),
    "field.exclusive_minimum": _("Enter a number greater than %(limit)s."),
    "field.exclusive_maximum": _("Enter a number less than %(limit)s."),
    # services/schemas.py
    "schema_builtin": _(
        "Built-in schemas cannot be changed or deleted. Create a schema of your own "
        "and use it in your pools instead."
    ),
    "schema_name_taken": _(
        "A schema with this name already exists in this workspace. Choose another name."
    ),
    "schema_in_use": _(
        "This schema is used by the pools %(pools)s. Choose another schema in those "
        "pools' settings first."
    ),
    "schema_breaks_users": _(
        "%(failing)s of %(checked)s existing users do not satisfy the new schema. "
        'Fix the schema, or tick "Save anyway": their data stays as it is and must '
        "be corrected the next time they are edited."
    ),
}


def message(key: str, **params: Any) -> str:
    """The user-facing message ``key`` of ``MESSAGES`` with ``params`` filled in."""
    text = str(MESSAGES[key])
    return text % params if params else text


def json_pointer(path: Iterable[str | int]) -> str:
    """The RFC 6901 JSON pointer of ``path`` ("" for the document itself)."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in path
    )


def at(path: Iterable[str | int]) -> str:
    pointer = json_pointer(path)
    return f"At {pointer}" if pointer else "At the top level"


def document_error(
    key: str, path: Iterable[str | int] = (), **params: Any
) -> ValidationError:
    """A ValidationError with the code of ``key`` and its message, located at
    ``path`` of the document."""
    code = key.split(".", 1)[0]
    return ValidationError(message(key, at=at(path), **params), code=code)
