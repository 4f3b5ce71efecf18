"""Email addresses: one mailbox, one normalised form.

``email_normalise`` turns what someone typed into the form every table stores and
every lookup uses, so that look-alike spellings of one address cannot become two
accounts: Unicode NFC; invisible characters (zero-width spaces, joiners, bidi
controls, soft hyphens, other format and control characters) refused rather than
silently dropped; the domain mapped and checked with IDNA 2008 (UTS #46), kept in
its Unicode form ("exämple.com" and "xn--exmple-cua.com" are one domain);
lowercase. Address literals (``user@[127.0.0.1]``) and domains without a dot
(``user@localhost``) are refused: neither reaches a real mailbox on the internet.

``email_lookalike_warning`` flags domains that imitate Latin ones (Latin mixed
with look-alike letters of another script in one label, or a label made only of
Cyrillic or Greek letters that look Latin), for operators to see; such addresses
are legitimate often enough not to refuse.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import idna
from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .catalogue import error, message

MAX_EMAIL_LENGTH = 254

# Django's validator, without its "localhost" allowance.
_validate = EmailValidator(allowlist=[])

# General categories that show nothing (or move text around) when rendered.
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"})


def _invisible_character(text: str) -> str | None:
    for char in text:
        if unicodedata.category(char) in _INVISIBLE:
            name = unicodedata.name(char, "")
            return f"U+{ord(char):04X}" + (f" {name}" if name else "")
    return None


# Printable ASCII without spaces: NFC leaves it as it is, and it holds no
# invisible character.
_PLAIN_ASCII = re.compile(r"[!-~]+")


@lru_cache(maxsize=4096)
def _domain_forms(domain: str) -> tuple[str, str] | None:
    """A domain's ASCII (IDNA) and Unicode forms, or None when IDNA refuses it;
    cached: a bulk import meets the same few domains a million times, and IDNA
    is most of an address's normalisation."""
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        return ascii_domain, idna.decode(ascii_domain)
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def email_normalise(raw: str) -> str:
    """The normalised form of the email address ``raw``, or ValidationError.

    Codes: ``email_invalid`` (not an address), ``email_invisible`` (contains an
    invisible character; the message names it), ``email_literal`` (an IP address
    instead of a domain), ``email_domain`` (a domain without a dot, or one IDNA
    refuses). Each message says what to type instead.
    """
    text = (raw or "").strip()
    if not (text.isascii() and _PLAIN_ASCII.fullmatch(text)):
        text = unicodedata.normalize("NFC", text)
        invisible = _invisible_character(text)
        if invisible:
            raise error("email_invisible", value=text[:100], char=invisible)
    shown = text[:100]
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise error("email_invalid", value=shown)
    if domain.startswith("["):
        raise error("email_literal", value=shown)
    forms = _domain_forms(domain)
    if forms is None:
        raise error("email_domain", value=shown)
    ascii_domain, unicode_domain = forms
    if "." not in ascii_domain:
        raise error("email_domain.no_dot", value=shown)
    ascii_form = f"{local}@{ascii_domain}"
    try:
        _validate(ascii_form)
    except ValidationError as exc:
        raise error("email_invalid", value=shown) from exc
    if len(ascii_form) > MAX_EMAIL_LENGTH:
        raise error("email_invalid.too_long", max=MAX_EMAIL_LENGTH)
    return f"{local.lower()}@{unicode_domain}"


def _looks_latin(char: str) -> bool:
    return bool(confusables.is_confusable(char, preferred_aliases=["latin"]))


# Cyrillic and Greek letters that render like Latin ones. A label made only of
# these ("аррӏе") spells a Latin word in another script (browsers show such
# domains in punycode for the same reason); real Cyrillic or Greek words use
# other letters too ("пример").
_LATIN_LOOKALIKES = frozenset("аеорсухіјӏѕԁԛԝһүԍοριυνκα")


def email_lookalike_warning(value: str) -> str:
    """A warning for an operator when the domain of a normalised address imitates
    a Latin one, else "". ASCII domains are never flagged."""
    _local, _at, domain = value.rpartition("@")
    if domain.isascii():
        return ""
    for label in domain.split("."):
        if label.isascii():
            continue
        scripts = categories.unique_aliases(label) - {"COMMON", "INHERITED"}
        letters = [c for c in label if c.isalpha()]
        mixed_with_latin = "LATIN" in scripts and len(scripts) > 1
        all_look_latin = bool(letters) and all(c in _LATIN_LOOKALIKES for c in letters)
        if mixed_with_latin and any(map(_looks_latin, letters)):
            key = "email_lookalike.mixed"
        elif all_look_latin:
            key = "email_lookalike.whole"
        else:
            continue
        others = sorted(s.title() for s in scripts - {"LATIN"})
        return message(
            key,
            domain=domain,
            ascii=idna.encode(domain, uts46=True).decode("ascii"),
            scripts=" and ".join(others),
        )
    return ""
