"""Parsing and normalising what operators and users type in "Email/Mobile"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError

from core.addresses import email_normalise
from core.catalogue import message

# Email addresses and mobile numbers one user may have (an import's records, a
# user adding their own).
MAX_IDENTIFIERS = 10
_SEPARATORS = re.compile(r"[\s\-.()/]+")


@dataclass(frozen=True)
class ParsedIdentifier:
    type: str  # "email" or "phone"
    value: str  # normalised: lowercase email, or E.164 "+<digits>"


def identifier_parse(raw: str) -> ParsedIdentifier:
    """Normalise an email address or a mobile number.

    Email goes through ``core.addresses.email_normalise`` (NFC, IDNA domain in
    one form, lowercase; invisible characters, address literals and dotless
    domains refused). A mobile number may be written with spaces, dashes, dots or
    parentheses and must start with + (or 00) and the country code; it is stored in
    E.164 form (+447700900123). Raises ValidationError(code="identifier_invalid")
    saying which value was not understood.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(message("identifier_required"), code="required")
    if len(text) > 254:
        raise ValidationError(message("identifier_too_long"), code="identifier_invalid")
    if "@" in text:
        try:
            value = email_normalise(text)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="identifier_invalid") from exc
        return ParsedIdentifier("email", value)
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not re.fullmatch(r"\+\d{6,15}", compact):
        raise ValidationError(
            message("phone_invalid", value=text), code="identifier_invalid"
        )
    try:
        number = phonenumbers.parse(compact, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            message("phone_invalid", value=text), code="identifier_invalid"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            message("phone_unknown", value=text), code="identifier_invalid"
        )
    return ParsedIdentifier(
        "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    )


def identifier_looks_like(query: str) -> bool:
    """True when a search query is probably the start of an email or a number."""
    q = query.strip()
    return "@" in q or q.startswith("+") or q[:1].isdigit()


def identifier_search_prefix(query: str) -> str:
    """The normalised prefix to match identifiers with (lowercase; a number's
    separators removed, 00 → +)."""
    q = query.strip().lower()
    if "@" not in q:
        compact = _SEPARATORS.sub("", q)
        if re.fullmatch(r"(\+|00)?\d+", compact):
            q = "+" + compact[2:] if compact.startswith("00") else compact
    return q
