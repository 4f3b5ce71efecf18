"""The built-in schemas every workspace can use. Not editable by operators.

Migration 0002 stores these documents with the fixed ids from models.py, and
every ``migrate`` refreshes them (``apps.py``, post_migrate), so a change here
reaches existing installations at their next migrate.

Every property says who fills it in (``editable``): the OpenID Connect profile
claims of the user data are the user's; the metadata is operators'.
"""

from __future__ import annotations

from .editable import EDITABLE_BY, OPERATOR, USER

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _text(title: str, description: str, max_length: int = 100) -> dict:
    return {
        "type": "string",
        "title": title,
        "description": description,
        "minLength": 1,
        "maxLength": max_length,
        EDITABLE_BY: USER,
    }


USER_DATA = {
    "$schema": DRAFT,
    "title": "Default user data",
    "type": "object",
    "properties": {
        "given_name": _text(
            "Given name", "The first name. Example: John in John Smith."
        ),
        "family_name": _text(
            "Family name", "The last name or surname. Example: Smith in John Smith."
        ),
        "name": _text(
            "Name",
            "A full name (first + last), a nickname, or any other identifier. "
            "Example: John Smith.",
            200,
        ),
        "middle_name": _text("Middle name", "Example: Paul in John Paul Smith."),
        "nickname": _text("Nickname", "A casual name. Example: Johnny."),
        "preferred_username": _text(
            "Preferred username",
            "The name the user wants to be shown. Example: jsmith.",
        ),
        "birthdate": {
            "type": "string",
            "format": "date",
            "title": "Birthdate",
            "description": "Year, month and day. Example: 1990-04-23.",
            EDITABLE_BY: USER,
        },
        "locale": {
            "type": "string",
            "title": "Locale",
            "description": "A language tag (BCP 47). Example: en-US.",
            "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
            "maxLength": 35,
            EDITABLE_BY: USER,
        },
        "zoneinfo": {
            "type": "string",
            "title": "Time zone",
            "description": "An IANA time zone. Example: Europe/Paris.",
            "maxLength": 64,
            EDITABLE_BY: USER,
        },
        "picture": {
            "type": "string",
            "format": "uri",
            "title": "Picture",
            "description": "Address of a profile picture. Example: https://example.com/me.png",
            "maxLength": 2048,
            EDITABLE_BY: USER,
        },
        "website": {
            "type": "string",
            "format": "uri",
            "title": "Website",
            "description": "Example: https://example.com",
            "maxLength": 2048,
            EDITABLE_BY: USER,
        },
    },
    "required": ["given_name", "family_name", "name"],
    "additionalProperties": False,
}

METADATA = {
    "$schema": DRAFT,
    "title": "Default metadata",
    "type": "object",
    "properties": {
        "external_id": {
            "type": "string",
            "title": "External ID",
            "description": "The user's id in another system (CRM, previous identity provider).",
            "maxLength": 255,
            EDITABLE_BY: OPERATOR,
        },
        "notes": {
            "type": "string",
            "title": "Notes",
            "description": "Operator notes. Never shown to the user.",
            "maxLength": 2000,
            EDITABLE_BY: OPERATOR,
        },
    },
    "additionalProperties": False,
}


def ensure_builtin_schemas(*, using: str = "default", model=None) -> None:
    """Create or refresh the two built-in schema rows (fixed ids from models.py)."""
    if model is None:
        from ..models import UserSchema as model

    from ..models import BUILTIN_METADATA_SCHEMA_ID, BUILTIN_USER_DATA_SCHEMA_ID

    rows = [
        (
            BUILTIN_USER_DATA_SCHEMA_ID,
            "user_data",
            "Default user data",
            "Given name, family name and name required; other OpenID Connect "
            "profile claims optional.",
            USER_DATA,
        ),
        (
            BUILTIN_METADATA_SCHEMA_ID,
            "metadata",
            "Default metadata",
            "External ID and notes, for operators only.",
            METADATA,
        ),
    ]
    for pk, kind, name, description, document in rows:
        model.objects.using(using).update_or_create(
            id=pk,
            defaults={
                "workspace": None,
                "kind": kind,
                "name": name,
                "description": description,
                "document": document,
            },
        )
