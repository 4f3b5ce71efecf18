"""The import record's JSON Schema, for the OpenAPI document (request body of
``…/users/import``, lines of ``…/users/export``). Written out without ``$ref``
so that it can sit inline in an operation. The import checks records itself
(``records``) and answers per record, so this schema describes; it does not
gate."""

from __future__ import annotations

_B64 = {"type": "string", "description": "base64"}

PASSWORD_HASH = {
    "description": (
        "An existing hash: a Django encoded hash (argon2$…, bcrypt_sha256$…, "
        "bcrypt$…, pbkdf2_sha256$…, pbkdf2_sha1$…, scrypt$…), raw bcrypt ($2a$, "
        "$2b$, $2y$), an argon2 string ($argon2id$…, $argon2i$…), or one of the "
        "objects below."
    ),
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 1000},
        {
            "type": "object",
            "title": "PBKDF2 (Keycloak credential export)",
            "properties": {
                "algorithm": {
                    "type": "string",
                    "enum": ["pbkdf2-sha256", "pbkdf2-sha1", "pbkdf2-sha512"],
                },
                "iterations": {"type": "integer", "minimum": 1, "maximum": 10000000},
                "salt": _B64,
                "value": {**_B64, "description": "base64 of the derived key"},
            },
            "required": ["algorithm", "iterations", "salt", "value"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "Salted digest",
            "properties": {
                "algorithm": {
                    "type": "string",
                    "enum": ["sha1", "sha256", "sha512", "md5"],
                },
                "salt": {"type": "string", "maxLength": 128},
                "salt_position": {"type": "string", "enum": ["before", "after"]},
                "value": {"type": "string", "description": "hex digest"},
            },
            "required": ["algorithm", "value"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "Firebase scrypt",
            "properties": {
                "algorithm": {"type": "string", "enum": ["firebase-scrypt"]},
                "salt": _B64,
                "value": _B64,
                "signer_key": _B64,
                "salt_separator": _B64,
                "rounds": {"type": "integer", "minimum": 1, "maximum": 16},
                "mem_cost": {"type": "integer", "minimum": 1, "maximum": 16},
            },
            "required": [
                "algorithm",
                "salt",
                "value",
                "signer_key",
                "rounds",
                "mem_cost",
            ],
            "additionalProperties": False,
        },
    ],
}

RECORD = {
    "type": "object",
    "title": "Import record",
    "properties": {
        "id": {
            "type": "string",
            "format": "uuid",
            "description": "The user's id; a retry with the same id is idempotent.",
        },
        "identifiers": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10,
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["email", "phone"]},
                    "value": {
                        "type": "string",
                        "description": "An email address or an E.164 number.",
                    },
                    "verified": {"type": "boolean", "default": False},
                },
                "required": ["value"],
                "additionalProperties": False,
            },
        },
        "status": {
            "type": "string",
            "enum": ["new", "active", "inactive"],
            "default": "active",
        },
        "user_data": {
            "type": "object",
            "description": "Checked against the pool's user data schema.",
        },
        "metadata": {
            "type": "object",
            "description": "Checked against the pool's metadata schema.",
        },
        "groups": {
            "type": "array",
            "maxItems": 100,
            "items": {"type": "string", "minLength": 1, "maxLength": 100},
            "description": "Group names of the pool (any letter case).",
        },
        "password": {
            "type": "string",
            "minLength": 1,
            "description": "Plain text, hashed with Argon2id (slow: about 20 ms).",
        },
        "password_hash": PASSWORD_HASH,
        "must_change_password": {"type": "boolean", "default": False},
        "created_at": {"type": "string", "format": "date-time"},
    },
    "required": ["identifiers"],
    "description": (
        "Keys starting with “_” are ignored (a file of failed records keeps "
        "its errors under “_errors”)."
    ),
}

IMPORT_JSON = {
    "type": "object",
    "properties": {
        "users": {"type": "array", "maxItems": 10000, "items": RECORD},
        "on_conflict": {
            "type": "string",
            "enum": ["error", "skip", "update"],
            "default": "error",
        },
        "dry_run": {"type": "boolean", "default": False},
        "create_groups": {"type": "boolean", "default": False},
    },
    "required": ["users"],
    "additionalProperties": False,
}

IMPORT_BODY = {
    "required": True,
    "description": (
        "Up to 10,000 records: a JSON object with the options, or NDJSON (one "
        "record a line; options as query parameters)."
    ),
    "content": {
        "application/json": {"schema": IMPORT_JSON},
        "application/x-ndjson": {
            "schema": {
                "type": "string",
                "description": "One import record (JSON) a line.",
            },
            "x-record": RECORD,
        },
    },
}

EXPORT_RESPONSE = {
    "description": "One import record a line (NDJSON), streamed.",
    "content": {
        "application/x-ndjson": {
            "schema": {
                "type": "string",
                "description": "One import record (JSON) a line.",
            },
            "x-record": RECORD,
        }
    },
}
