"""Messages of core's own plumbing: text hygiene, email addresses, operator patterns, sending limits.

Part of the one catalogue: registered here when the app loads (its
``apps.py`` imports this module), read anywhere through ``core.catalogue``
(``message(key)``, ``error(key)``). Keys are stable codes; tests assert codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .catalogue import register

MESSAGES: dict[str, Any] = {
    "email_invalid": _(
        "“%(value)s” is not an email address. Check it for typos, e.g. name@example.com."
    ),
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
}

register(MESSAGES)
