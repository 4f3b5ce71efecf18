"""Messages of bulk import and export (REST API and command line): part of the
one catalogue, read through ``core.catalogue``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

RECORD_FIELDS = (
    "id, identifiers, status, user_data, metadata, groups, password, "
    "password_hash, must_change_password, created_at"
)

MESSAGES: dict[str, Any] = {
    "too_large.records": _(
        "Send at most %(max)s records in one request; this one has more. Split "
        "the records over several requests."
    ),
    "too_large.bytes": _(
        "Send at most %(max)s MB in one request. Split the records over several "
        "requests."
    ),
    "json_invalid.body": _(
        "The body is not valid JSON (%(problem)s). Send "
        '{"users": [...]} as application/json, or one record a line as '
        "application/x-ndjson."
    ),
    "body_invalid": _(
        'Send an object with a "users" list: {"users": [{"identifiers": '
        '[{"type": "email", "value": "ann@example.com"}]}]}.'
    ),
    "content_type_unsupported": _(
        "Send the records as application/json or application/x-ndjson."
    ),
    "option_invalid": _("“%(name)s” must be %(allowed)s."),
    "json_invalid.line": _(
        "This line is not a JSON object (%(problem)s). Write one record a line."
    ),
    "record_invalid": _(
        'A record is a JSON object, e.g. {"identifiers": [{"type": "email", '
        '"value": "ann@example.com"}]}.'
    ),
    "field_unknown": _(
        "“%(key)s” is not a field of an import record. The fields are: "
        + RECORD_FIELDS
        + "."
    ),
    "type_invalid": _("This must be %(expected)s."),
    "id_invalid": _(
        "“%(value)s” is not a UUID. Leave the id out, or give a UUID such as "
        "0190f0e2-7a4c-7d1e-9c3b-3f2a1b0c9d8e."
    ),
    "id_taken": _(
        "This id is already used by another user. Leave it out, or give another."
    ),
    "duplicate.id": _(
        "Record %(index)s of this request has the same id. Each user once."
    ),
    "identifiers_required": _(
        "Give at least one identifier: an email address or a mobile number."
    ),
    "identifiers_too_many": _("Give at most %(max)s identifiers a user."),
    "identifier_type_mismatch": _(
        "“%(value)s” is not of the type “%(type)s”. Use “email” for an email "
        "address and “phone” for a mobile number, or leave the type out."
    ),
    "duplicate.identifier": _(
        "Record %(index)s of this request has this identifier too. An identifier "
        "belongs to one user: remove it from one of them."
    ),
    "duplicate.in_record": _("This user has this identifier twice."),
    "identifier_taken.import": _(
        "“%(value)s” belongs to another user of this pool. Send on_conflict "
        "“skip” or “update”, or remove it from this record."
    ),
    "identifier_conflict": _(
        "These identifiers belong to different users of this pool; a record can "
        "update only one. Split them, or remove the ones of the other user."
    ),
    "status_invalid.import": _("The status must be “new”, “active” or “inactive”."),
    "password_conflict": _("Give either “password” or “password_hash”, not both."),
    "password_empty": _("The password is empty. Leave it out, or give one."),
    "created_at_invalid": _(
        "“%(value)s” is not a date and time with a time zone, e.g. "
        "2024-05-01T09:30:00Z."
    ),
    "group_unknown": _(
        "This pool has no group “%(name)s”. Create it first, or send "
        '"create_groups": true.'
    ),
    "group_name_invalid": _(
        "A group name has 1 to 100 characters; “%(name)s” does not."
    ),
    "write_failed": _("This record could not be written (%(problem)s). Send it again."),
    "password_hash_unknown": _(
        "This password hash is not in a format the import understands. Give a "
        "Django encoded hash (argon2$…, bcrypt$…, pbkdf2_sha256$…), raw bcrypt "
        "($2b$…), an argon2 string ($argon2id$…), or an object with “algorithm”: "
        "pbkdf2-sha256, pbkdf2-sha1, pbkdf2-sha512, sha1, sha256, sha512, md5 or "
        "firebase-scrypt."
    ),
    "password_hash_malformed": _(
        "This %(algorithm)s hash is malformed: %(problem)s. Check that it was "
        "copied whole."
    ),
    "password_hash_too_costly": _(
        "This %(algorithm)s hash costs about %(cost)s times the pool's own hash to "
        "check, at every sign-in attempt; the pool accepts at most %(limit)s. Raise "
        "the limit (the pool's Settings → Password policy → Imported password "
        "hashes, up to 32) or import the user without a password (they set one "
        "with “Forgot password?”)."
    ),
    "option_invalid.boolean": _("“%(name)s” must be true or false."),
}
