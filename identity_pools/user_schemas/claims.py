"""Checks for the OpenID Connect profile claims whose values come from a registry,
applied to a schema property *by its name* (``zoneinfo``, ``locale``), the way the
built-in schema and OpenID Connect name them. JSON Schema has no format for them, and
a property name keeps stored documents (the built-in one included) as they are.

Pure functions, no database access.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    # Reads the system's (or the tzdata package's) IANA database once per process.
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(value: str) -> bool:
    """Whether ``value`` names a zone of the IANA time zone database
    (``Europe/Paris``, ``UTC``); ``Mars/Olympus`` does not."""
    return value in _time_zones()


# RFC 5646 section 2.1 (the ABNF of a language tag), case-insensitive. This checks
# that a tag is well-formed, not that its subtags are registered in the IANA
# language subtag registry ("valid" in the RFC's words): "xx-YY" is well-formed.
_ALNUM = "[a-z0-9]"
_LANGTAG = (
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9a-wy-z](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_PRIVATE_USE = rf"x(?:-{_ALNUM}{{1,8}})+"
_IRREGULAR = (
    "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|"
    "i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de"
)
_LANGUAGE_TAG = re.compile(
    rf"(?:{_LANGTAG}|{_PRIVATE_USE}|{_IRREGULAR})", re.IGNORECASE | re.ASCII
)


def is_language_tag(value: str) -> bool:
    """Whether ``value`` is a well-formed BCP 47 language tag (``en``, ``en-US``,
    ``zh-Hant-TW``, ``de-CH-1996``); ``en_US`` and ``en-US-US`` are not."""
    return len(value) <= 255 and _LANGUAGE_TAG.fullmatch(value) is not None


# property name → (check, catalogue key of the message when it fails)
CLAIM_CHECKS: dict[str, tuple[Callable[[str], bool], str]] = {
    "zoneinfo": (is_time_zone, "data_format.zoneinfo"),
    "locale": (is_language_tag, "data_format.locale"),
}
