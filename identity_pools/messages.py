"""Messages of the directory: pools and their policies, user schemas and user data, users, identifiers, groups, import and export.

Part of the one catalogue: registered here when the app loads (its
``apps.py`` imports this module), read anywhere through ``core.catalogue``
(``message(key)``, ``error(key)``). Keys are stable codes; tests assert codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.catalogue import register

RECORD_FIELDS = (
    "id, identifiers, status, user_data, metadata, groups, password, "
    "password_hash, must_change_password, created_at"
)

MESSAGES: dict[str, Any] = {
    # --- identity pools: pools, users, identifiers, groups, passwords -------------
    "identifier_required": _("Enter an email address or a mobile number."),
    "identifier_too_long": _("This is too long for an email address or mobile number."),
    "phone_invalid": _(
        "“%(value)s” is not understood as a mobile number. Write it in international "
        "form: + and the country code, then the number, e.g. +44 7911 123456."
    ),
    "phone_unknown": _(
        "“%(value)s” is not a valid number in its country's numbering plan. Check the "
        "country code and the number of digits."
    ),
    "identifier_taken": _(
        "This email or mobile number is already used by another user in this pool."
    ),
    "identifier_last": _(
        "A user needs at least one email or mobile number. Add another one first."
    ),
    "pool_name_taken": _(
        "A pool with this name already exists in this workspace. Choose another name."
    ),
    "pool_confirm_mismatch": _(
        "Type the pool's name exactly as shown to confirm that you want to delete it."
    ),
    "group_name_taken": _("A group with this name already exists in this pool."),
    "users_not_in_pool": _(
        "%(count)d of the chosen users are not in this pool. Users must exist in the "
        "pool before they can be assigned to its groups."
    ),
    "too_many_users": _("Choose at most %(max)d users at once."),
    "no_users_chosen": _("Choose at least one user."),
    "password_required": _("Enter a password, or choose “Send invitation” instead."),
    "password_too_short": _(
        "This password is too short. Use at least %(min)d characters; a few unrelated "
        "words make a long password easy to remember."
    ),
    "password_too_long": _(
        "This password is too long. Use at most %(max)d characters."
    ),
    "password_too_common": _(
        "This password is one of the most common passwords. Choose another one."
    ),
    "password_needs_uppercase": _("Use at least %(count)s capital letters (A–Z)."),
    "password_needs_lowercase": _("Use at least %(count)s lowercase letters (a–z)."),
    "password_needs_digits": _("Use at least %(count)s digits (0–9)."),
    "password_needs_special": _(
        "Use at least %(count)s special characters (anything but letters and digits, "
        "spaces included)."
    ),
    "password_reused": _(
        "This is one of the last %(count)s passwords of this account. Choose a new one."
    ),
    "password_rule.length": _("%(min)s to %(max)s characters."),
    "password_rule.uppercase": _("At least %(count)s capital letters."),
    "password_rule.lowercase": _("At least %(count)s lowercase letters."),
    "password_rule.digits": _("At least %(count)s digits."),
    "password_rule.special": _("At least %(count)s special characters."),
    "password_rule.common": _("Not a common or known-breached password."),
    "password_rule.personal": _("Not containing the email address, mobile or name."),
    "password_rule.history": _("Not one of the last %(count)s passwords."),
    "password_policy_short": _(
        "Below 15 characters, NIST SP 800-63B accepts a password only together with "
        "a second factor. Keep 15 unless this pool's users also use one."
    ),
    "password_policy_lengths": _(
        "The maximum length must be at least the minimum length."
    ),
    "password_contains_name": _(
        "The password must not contain the user's name. Choose words that are not "
        "about the person."
    ),
    "password_contains_identifier": _(
        "The password must not contain the user's email address or mobile number."
    ),
    "invitation_not_new": _(
        "Only users who have not registered yet (status “New”) can get an invitation."
    ),
    "invitation_no_email": _(
        "This user has no email address to send an invitation to. Add one first."
    ),
    "schema_wrong_kind": _("Choose a schema of the right kind."),
    # --- user schemas: documents, form fields, changes ----------------------------
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
    "schema_invalid.editable_by": _(
        '%(at)s: "x-editable-by" is %(value)s. Write "user" (the user fills it '
        'in: sign-up asks for it when it is required) or "operator" (operators '
        "only: never shown in or taken from a public form)."
    ),
    "schema_invalid.editable_by_read_only": _(
        '%(at)s: "readOnly": true keeps this field from its users, so it cannot '
        'also be "x-editable-by": "user". Remove one of the two.'
    ),
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
        "Fix the schema, or confirm below that you want to save it anyway: their "
        "data stays as it is and must be corrected the next time they are edited."
    ),
    # --- user schemas: the JSON text box ---------------------------------------------
    "json_invalid": _(
        "This is not valid JSON: %(problem)s at line %(line)s, column %(column)s."
    ),
    "json_invalid.value": _("This is not valid JSON: %(problem)s."),
    "json_duplicate_key": _(
        'This JSON has the key "%(key)s" twice in one object. Keep one of them.'
    ),
    "json_too_long": _(
        "The text is %(length)s characters long; the limit is %(limit)s. "
        "Remove properties or shorten descriptions."
    ),
    # --- user data (checked against a user schema) -------------------------------
    "data_not_object": _("The data must be a JSON object."),
    "data_required": _("%(label)s is required."),
    "data_unknown_field": _("%(key)s is not a field of this schema; remove it."),
    "data_type": _("%(label)s: must be %(expected)s, not %(value)s."),
    "data_length.empty": _("%(label)s cannot be empty."),
    "data_length.too_short": _(
        "%(label)s: must be at least %(limit)s characters long; it has %(length)s."
    ),
    "data_length.too_long": _(
        "%(label)s: must be at most %(limit)s characters long; it has %(length)s. "
        "Shorten it."
    ),
    "data_pattern": _(
        "%(label)s: %(value)s is not in the expected format (pattern %(pattern)s)."
    ),
    "data_format.date": _("%(label)s: %(value)s is not a valid date; use YYYY-MM-DD."),
    "data_format.date-time": _(
        "%(label)s: %(value)s is not a valid date and time; use "
        "YYYY-MM-DDThh:mm:ss with a time zone, e.g. 2024-05-01T09:30:00Z."
    ),
    "data_format.email": _(
        "%(label)s: %(value)s is not a valid email address; use the form "
        "name@example.com."
    ),
    "data_format.uri": _(
        "%(label)s: %(value)s is not a valid web address; use http:// or https:// "
        "and a host, e.g. https://example.com."
    ),
    "data_choice": _("%(label)s: %(value)s is not allowed; choose one of %(allowed)s."),
    "data_range.minimum": _("%(label)s: must be %(limit)s or more, not %(value)s."),
    "data_range.maximum": _("%(label)s: must be %(limit)s or less, not %(value)s."),
    "data_range.exclusive_minimum": _(
        "%(label)s: must be more than %(limit)s, not %(value)s."
    ),
    "data_range.exclusive_maximum": _(
        "%(label)s: must be less than %(limit)s, not %(value)s."
    ),
    "data_range.multiple_of": _(
        "%(label)s: must be a multiple of %(limit)s, not %(value)s."
    ),
    "data_items.too_few": _("%(label)s: choose at least %(limit)s."),
    "data_items.too_many": _("%(label)s: choose at most %(limit)s."),
    "data_items.unique": _("%(label)s: each choice may appear only once."),
    # A rule of the schema that has no message of its own (jsonschema's words).
    "data_invalid": _("%(label)s: %(problem)s."),
    "data_invalid.document": "%(problem)s",
    "schema_unusable.unreachable": _("it refers to a schema it cannot reach."),
    # How a JSON type reads in a message ("Age: must be a whole number").
    "type_word.string": _("text"),
    "type_word.integer": _("a whole number"),
    "type_word.number": _("a number"),
    "type_word.boolean": _("true or false"),
    "type_word.array": _("a list"),
    "type_word.object": _("an object"),
    "type_word.null": _("empty (null)"),
    # --- user data: readable pattern errors, registry-backed claims ---------------
    "field.pattern_described": _("Enter a valid %(label)s. %(description)s"),
    "field.pattern_plain": _(
        "Enter a valid %(label)s: the value does not have the form this field "
        "expects. Check it for typing mistakes."
    ),
    "data_pattern.described": _(
        "%(label)s: %(value)s is not in the expected format. %(description)s"
    ),
    "data_pattern.plain": _(
        "%(label)s: %(value)s is not in the expected format. Check it for typing "
        "mistakes."
    ),
    "data_format.zoneinfo": _(
        "%(label)s: %(value)s is not a time zone of the IANA database; use a name "
        "such as Europe/Paris or America/New_York."
    ),
    "data_format.locale": _(
        "%(label)s: %(value)s is not a well-formed language tag (BCP 47); use a tag "
        "such as en, en-US or pt-BR."
    ),
    "field.choose": _("Choose…"),
    "user_data_outdated": _(
        "This user's data does not satisfy the pool's current schema: %(problems)s "
        "Edit the user data to correct it."
    ),
    "user_data_to_fill": _(
        "To be filled in by an operator (users are not asked for it): %(fields)s. "
        "Edit the user data to add it."
    ),
    "signup_no_identifier": _(
        "Choose at least one way to sign up (email address or mobile number), or "
        "turn self-registration off."
    ),
    "lockout_order": _(
        "The longest block must be at least as long as the first block."
    ),
    "reset_no_address": _(
        "A password reset needs an active user with a verified email address or "
        "mobile number. Mark one verified first."
    ),
    "password_none": _(
        "This user has no password yet. Set one first, or let them choose one from "
        "an invitation."
    ),
    "sign_in_failed": _(
        "The email address, mobile number or password is not correct. Check them "
        "and try again."
    ),
    # --- pool settings: sign-in methods ----------------------------------------------
    "sign_in_methods_none": _(
        "Turn at least one sign-in method on, or no one can sign in."
    ),
    "sign_in_preferred_off": _(
        "The preferred method must be one of the methods turned on."
    ),
    "second_factor_methods_none": _(
        "Choose at least one method that counts as a second factor, or turn the "
        "second factor off."
    ),
    "mode_invalid": _("Choose “Send invitation” or “Set credentials”."),
    "status_invalid": _("Choose activate or deactivate."),
    "user_id_invalid": _("“%(value)s” is not a user id."),
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

register(MESSAGES)
