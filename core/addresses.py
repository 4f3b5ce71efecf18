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

import unicodedata

import idna
from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

MAX_EMAIL_LENGTH = 254

# Django's validator, without its "localhost" allowance.
_validate = EmailValidator(allowlist=[])

# General categories that show nothing (or move text around) when rendered.
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"})


def _invalid(code: str, text: str) -> ValidationError:
    return ValidationError(text, code=code)


def _invisible_character(text: str) -> str | None:
    for char in text:
        if unicodedata.category(char) in _INVISIBLE:
            name = unicodedata.name(char, "")
            return f"U+{ord(char):04X}" + (f" {name}" if name else "")
    return None


def email_normalise(raw: str) -> str:
    """The normalised form of the email address ``raw``, or ValidationError.

    Codes: ``email_invalid`` (not an address), ``email_invisible`` (contains an
    invisible character; the message names it), ``email_literal`` (an IP address
    instead of a domain), ``email_domain`` (a domain without a dot, or one IDNA
    refuses). Each message says what to type instead.
    """
    text = unicodedata.normalize("NFC", (raw or "").strip())
    shown = text[:100]
    invisible = _invisible_character(text)
    if invisible:
        raise _invalid(
            "email_invisible",
            _(
                "“%(value)s” contains an invisible character (%(char)s). Type the "
                "address again without it."
            )
            % {"value": shown, "char": invisible},
        )
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise _invalid(
            "email_invalid",
            _(
                "“%(value)s” is not an email address. Check it for typos, e.g. "
                "name@example.com."
            )
            % {"value": shown},
        )
    if domain.startswith("["):
        raise _invalid(
            "email_literal",
            _(
                "“%(value)s” uses an IP address instead of a domain name. Use an "
                "address with a domain name, e.g. name@example.com."
            )
            % {"value": shown},
        )
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        unicode_domain = idna.decode(ascii_domain)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise _invalid(
            "email_domain",
            _(
                "“%(value)s” does not have a valid domain name after the @. Check "
                "it for typos, e.g. name@example.com."
            )
            % {"value": shown},
        ) from exc
    if "." not in ascii_domain:
        raise _invalid(
            "email_domain",
            _(
                "“%(value)s” has no top-level domain after the @ (such as .com). "
                "Use the full address, e.g. name@example.com."
            )
            % {"value": shown},
        )
    ascii_form = f"{local}@{ascii_domain}"
    try:
        _validate(ascii_form)
    except ValidationError as exc:
        raise _invalid(
            "email_invalid",
            _(
                "“%(value)s” is not an email address. Check it for typos, e.g. "
                "name@example.com."
            )
            % {"value": shown},
        ) from exc
    if len(ascii_form) > MAX_EMAIL_LENGTH:
        raise _invalid(
            "email_invalid",
            _("This email address is too long: at most %(max)d characters.")
            % {"max": MAX_EMAIL_LENGTH},
        )
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
            text = _(
                "The domain “%(domain)s” (%(ascii)s) mixes Latin letters with "
                "look-alike %(scripts)s ones: it may imitate another address."
            )
        elif all_look_latin:
            text = _(
                "The domain “%(domain)s” (%(ascii)s) is written in %(scripts)s "
                "letters that look like Latin ones: it may imitate another address."
            )
        else:
            continue
        others = sorted(s.title() for s in scripts - {"LATIN"})
        return text % {
            "domain": domain,
            "ascii": idna.encode(domain, uts46=True).decode("ascii"),
            "scripts": " and ".join(others),
        }
    return ""
