"""Messages of the console: operators, workspaces, pools, users, schemas, user data,
text, addresses and sending (part of the one catalogue: read them through
``core.catalogue``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Any] = {
    # --- operators: console sign-in, second factor, password ---------------------
    "bad_credentials": _(
        "The email or password is not correct. Check both and try again."
    ),
    "rate_limited": _("Too many failed attempts. Wait %(wait)s, then try again."),
    "bad_code": _(
        "This code is not correct or has already been used. Enter the code your "
        "authenticator app shows now."
    ),
    "password_incorrect": _(
        "This password is not correct. Type your current password."
    ),
    "second_factor_expired": _(
        "Your sign-in took too long. Enter your email and password again."
    ),
    "operator_exists": _(
        "An operator with this email address already exists. Sign in instead, or "
        "use another address."
    ),
    # --- workspaces: members and invitations --------------------------------------
    "slug_taken": _(
        "This slug is already used by another workspace. Choose another slug."
    ),
    "already_member": _("This operator is already a member of the workspace."),
    "already_invited": _(
        "An invitation for this email is already open. Revoke it first to send a new one."
    ),
    "last_owner": _(
        "A workspace needs at least one owner. Make another member an owner first."
    ),
    "invitation_invalid": _(
        "This invitation link is invalid, has expired or has already been used. "
        "Ask a workspace owner for a new one."
    ),
    "invitation_wrong_operator": _(
        "This invitation was sent to another email address. Sign out and open the link "
        "again, or ask for an invitation to your address."
    ),
    "idp_pool_connected": _(
        "This pool is already connected as an identity provider of this "
        "workspace. Use the existing connection, or disconnect it first."
    ),
    "idp_name_invalid": _("Give the connection a name of 1 to 100 characters."),
    # --- identity pools: pools, users, identifiers, groups, passwords -------------
    "identifier_required": _("Enter an email address or a mobile number."),
    "identifier_too_long": _("This is too long for an email address or mobile number."),
    "email_invalid": _(
        "“%(value)s” is not an email address. Check it for typos, e.g. name@example.com."
    ),
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
    "password_mismatch": _("The two passwords differ. Type the same password twice."),
    "password_unchanged": _("This is your current password. Choose a different one."),
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
    # Why RE2 cannot run a pattern (core.patterns), inside "schema_pattern".
    "pattern_reason.lookahead": _("look-ahead (?=…) or (?!…) is not supported"),
    "pattern_reason.lookbehind": _("look-behind (?<=…) or (?<!…) is not supported"),
    "pattern_reason.backreference": _("backreferences (\\1, \\2, …) are not supported"),
    "pattern_reason.repetition": _(
        "a repetition count is above 1000 (nested counts multiply)"
    ),
    "pattern_reason.too_large": _("the pattern is too large"),
    "pattern_reason.too_long": _("it is longer than %(limit)s characters"),
    "pattern_reason.invalid": _("it is not a valid regular expression (%(detail)s)"),
    # --- text that enters anywhere (core.text) ---------------------------------------
    "text_invalid.nul": _(
        "%(subject)s contains a NUL character (\\u0000), which cannot be stored. "
        "Remove it and try again."
    ),
    "text_invalid.surrogate": _(
        "%(subject)s contains invalid Unicode: a lone surrogate (\\ud800 to "
        "\\udfff) that is not a character. Retype the text or copy it again from "
        "its source."
    ),
    "text_invalid.this_text": _("This text"),
    # --- email addresses (core.addresses) ------------------------------------------
    "email_invalid.too_long": _(
        "This email address is too long: at most %(max)s characters."
    ),
    "email_invisible": _(
        "“%(value)s” contains an invisible character (%(char)s). Type the address "
        "again without it."
    ),
    "email_literal": _(
        "“%(value)s” uses an IP address instead of a domain name. Use an address "
        "with a domain name, e.g. name@example.com."
    ),
    "email_domain": _(
        "“%(value)s” does not have a valid domain name after the @. Check it for "
        "typos, e.g. name@example.com."
    ),
    "email_domain.no_dot": _(
        "“%(value)s” has no top-level domain after the @ (such as .com). Use the "
        "full address, e.g. name@example.com."
    ),
    "email_lookalike.mixed": _(
        "The domain “%(domain)s” (%(ascii)s) mixes Latin letters with look-alike "
        "%(scripts)s ones: it may imitate another address."
    ),
    "email_lookalike.whole": _(
        "The domain “%(domain)s” (%(ascii)s) is written in %(scripts)s letters that "
        "look like Latin ones: it may imitate another address."
    ),
    # --- messages sent on someone's behalf (core.delivery.limits) ------------------
    "send_rate_limited.recipient_minute": _(
        "A message was sent to %(recipient)s less than a minute ago. Wait "
        "%(wait)s, then try again."
    ),
    "send_rate_limited.recipient_day": _(
        "%(recipient)s has been sent %(max)s messages today, the most allowed. Try "
        "again in %(wait)s."
    ),
    "send_rate_limited.workspace_day": _(
        "This workspace has sent %(max)s messages in the last 24 hours, its limit. "
        "Try again in %(wait)s, or ask the installation's operators to raise "
        "MESSAGES_PER_WORKSPACE_PER_DAY."
    ),
    # --- applications: the workspace's OpenID Connect clients ------------------
    "application_name_taken": _(
        "This workspace already has an application of this name (in any letter "
        "case). Choose another name."
    ),
    "application_name_invalid": _(
        "Give the application a name of 1 to 100 characters."
    ),
    "application_kind_invalid": _(
        "Choose a type: web, spa (single-page), native or m2m (machine to machine)."
    ),
    "application_kind_fixed": _(
        "An application's type cannot change after it is created (its secret and "
        "grants depend on it). Create a new application of the other type instead."
    ),
    "application_uri_invalid.not_text": _("Each URI must be a text string."),
    "application_uri_invalid.too_long": _(
        "“%(uri)s…” is longer than %(max)s characters. Use a shorter URI."
    ),
    "application_uri_invalid.absolute": _(
        "“%(uri)s” is not an absolute URL. Write it in full, e.g. "
        "https://app.example.com/callback."
    ),
    "application_uri_invalid.https": _(
        "“%(uri)s” must use https (http is allowed only on 127.0.0.1, [::1] and "
        "localhost, for development)."
    ),
    "application_uri_invalid.fragment": _(
        "“%(uri)s” has a fragment (#…), which redirect URIs may not have. Remove it."
    ),
    "application_uri_invalid.userinfo": _(
        "“%(uri)s” contains a user name or password. Remove it."
    ),
    "application_uris_too_many": _("At most %(max)s URIs are allowed. Remove some."),
    "application_uris_required": _(
        "Enter at least one redirect URI: where users return after signing in."
    ),
    "application_uris_m2m": _(
        "Machine-to-machine applications sign no users in, so they have no redirect "
        "URIs. Leave this empty."
    ),
    "application_grants_invalid.empty": _("Choose at least one grant type."),
    "application_grants_invalid.unknown": _(
        "Choose grant types among authorization_code, refresh_token and "
        "client_credentials."
    ),
    "application_grants_invalid.m2m": _(
        "Machine-to-machine applications use the client_credentials grant only."
    ),
    "application_grants_invalid.public": _(
        "Single-page and native applications cannot keep a secret, so they cannot "
        "use client_credentials. Use authorization_code (with refresh_token)."
    ),
    "application_grants_invalid.web": _(
        "Web applications sign users in: include authorization_code."
    ),
    "application_scopes_invalid": _(
        "Choose scopes among openid, profile, email, phone and groups."
    ),
    "application_openid_required": _(
        "Applications that sign users in need the openid scope. Add it."
    ),
    "application_connections_required": _(
        "Choose at least one identity provider: the connected identity pool whose "
        "users sign in to this application (with several, they choose one)."
    ),
    "application_connections_required.none_connected": _(
        "This workspace has no identity provider yet, and its users need one to "
        "sign in. Connect an identity pool first (Identity providers → Connect "
        "identity pool), then choose it for this application."
    ),
    "application_connection_foreign": _(
        "This is not an identity provider of this workspace. Choose one of its "
        "connected identity pools."
    ),
    "application_grace_invalid": _(
        "Choose how long the old secret keeps working: 0 to 30 days."
    ),
    "application_no_secret": _(
        "Single-page and native applications have no client secret; they prove "
        "themselves with PKCE instead."
    ),
    # --- applications: ID tokens and custom claims --------------------------------
    "application_id_token_alg_invalid": _(
        "Choose ES256 or RS256 to sign ID tokens (ES256 unless the application's "
        "library needs RS256)."
    ),
    "application_claims_invalid.shape": _(
        "Give custom claims as a list of objects with a “claim” and a “source”, "
        'e.g. [{"claim": "department", "source": "user_data.department"}].'
    ),
    "application_claims_invalid.line": _(
        "Line %(line)s is not “claim = source”. Write one mapping a line, e.g. "
        "department = user_data.department."
    ),
    "application_claim_name_invalid": _(
        "“%(claim)s” is not a valid claim name. Start with a letter or _, then use "
        "up to 63 letters, digits and _ . : -, e.g. department."
    ),
    "application_claim_reserved": _(
        "“%(claim)s” is a claim the provider sets itself. Choose another name, "
        "e.g. app_%(claim)s."
    ),
    "application_claim_source_invalid": _(
        "“%(source)s” (for “%(claim)s”) is not a source. Use user_data.<name> or "
        "metadata.<name>: 1 to 5 names joined by dots, each 1 to 64 letters, "
        "digits, _ or -."
    ),
    "application_claims_too_many": _(
        "At most %(max)s custom claims are allowed (%(count)s given). Remove some."
    ),
    "application_claim_duplicate": _(
        "The claim “%(claim)s” is mapped twice. Keep one source for it."
    ),
    "application_claims_text": _("A custom claim"),
    # --- signing keys --------------------------------------------------------------
    "signing_key_rotate_unconfirmed": _(
        "Tick the box to confirm that you want to rotate the signing keys."
    ),
    # --- activity: filters and retention ---------------------------------------------
    "activity_object_invalid": _(
        "Enter an object id as it appears in the object's address, e.g. "
        "0b8e6f0a-5c1e-4f7e-9a51-3c2d1e0f9a8b."
    ),
    "activity_kind_invalid": _("Choose a kind of event from the list."),
    "activity_date_invalid": _("Enter a date as YYYY-MM-DD, e.g. 2026-03-01."),
    "activity_dates_order": _("“To” is before “From”. Choose a later “To” date."),
    "audit_retention_range": _(
        "Enter a number of days from 1 to 3650, or leave it empty to keep activity "
        "forever."
    ),
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
}
