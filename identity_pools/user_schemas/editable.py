"""Who fills in each field of a user-data schema: the user, or operators only.

A property's ``"x-editable-by"`` keyword (our annotation; JSON Schema ignores
it) says it, as Keycloak's "who can edit" and Cognito's writable attributes do:

- ``"user"`` (the default): the user gives it — sign-up asks for it when it is
  required, so does the invitation's registration when the operator left it
  empty, and the account page edits it. Operators may set it too.
- ``"operator"``: operators only — Create User, the user's page, the API and
  imports set it. No public page shows it in a form, and a value posted to one
  is ignored. ``required`` holds for operators' writes only: a sign-up, an
  invitation or the account page saves without it, and the user's page in the
  console lists it as to be filled. The user sees its value on the account
  page, read-only.

``"readOnly": true`` (JSON Schema's own annotation, which kept a property off
the account page before) means the same as ``"operator"``. In a metadata schema
the keyword changes nothing: metadata is operators' anyway.

Pure functions on documents that passed ``documents.schema_document_check``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EDITABLE_BY = "x-editable-by"
USER = "user"
OPERATOR = "operator"
VALUES = (USER, OPERATOR)


def editable_by(prop: object) -> str:
    """``"operator"`` or ``"user"``: who fills in the property ``prop``."""
    if isinstance(prop, dict) and (
        prop.get(EDITABLE_BY) == OPERATOR or prop.get("readOnly") is True
    ):
        return OPERATOR
    return USER


def _properties(document: Mapping[str, Any]) -> dict[str, Any]:
    properties = document.get("properties", {})
    return properties if isinstance(properties, dict) else {}


def operator_only(document: Mapping[str, Any]) -> list[str]:
    """The properties of ``document`` only operators fill in, in order."""
    return [
        name
        for name, prop in _properties(document).items()
        if editable_by(prop) == OPERATOR
    ]


def user_editable(document: Mapping[str, Any]) -> list[str]:
    """The properties of ``document`` its users fill in, in order."""
    return [
        name
        for name, prop in _properties(document).items()
        if editable_by(prop) == USER
    ]


def asked_at_sign_up(document: Mapping[str, Any]) -> list[str]:
    """What sign-up asks for: the required properties users fill in."""
    required = set(document.get("required", ()))
    return [name for name in user_editable(document) if name in required]


def users_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` as a user's own write must satisfy it: the same checks, but
    a required property only operators fill in may be missing."""
    hidden = set(operator_only(document))
    if not hidden:
        return dict(document)
    return {
        **document,
        "required": [n for n in document.get("required", ()) if n not in hidden],
    }


def users_data(document: Mapping[str, Any], data: Mapping[str, Any]) -> dict:
    """``data`` from a public page without the properties only operators fill
    in: whatever a crafted request sends for them is dropped."""
    hidden = set(operator_only(document))
    return {key: value for key, value in data.items() if key not in hidden}


def to_be_filled(document: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The required properties only operators fill in that ``data`` lacks (a
    user who signed up has none of them yet)."""
    required = set(document.get("required", ()))
    return [n for n in operator_only(document) if n in required and n not in data]
