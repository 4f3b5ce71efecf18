"""Regular expressions that operators write (schema ``pattern`` keywords), run in
bounded time.

Python's ``re`` backtracks: ``^(a+)+$`` against ``"a" * 28 + "!"`` takes seconds,
doubling with every character. Every operator-written pattern is therefore compiled
and run by RE2 (google-re2), whose matching time is linear in the length of the
text, and whose compiled program is limited in size (``MAX_PROGRAM_BYTES``). RE2
does not support backreferences or look-around; a pattern that uses them is refused
when it is saved (``pattern_error``), with a message that says why.

JSON Schema patterns are ECMA-262 regular expressions; RE2 reads the common subset
the same way. ``\\uXXXX`` escapes (ECMA-262, not RE2) are rewritten to ``\\x{XXXX}``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

from .catalogue import message

# RE2's default is 8 MiB; a user schema needs far less. Bounds the memory and the
# per-character cost of one pattern.
MAX_PROGRAM_BYTES = 1 << 20
MAX_PATTERN_CHARS = 1000

_OPTIONS = re2.Options()
_OPTIONS.max_mem = MAX_PROGRAM_BYTES
_OPTIONS.log_errors = False

# A backslash escape: \uXXXX (rewritten) or any other escaped character (kept, so
# that "\\u0041" stays a literal backslash followed by "u0041").
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|.)", re.DOTALL)


class PatternError(ValueError):
    """The pattern cannot be run in bounded time (or is not a regex); ``reason``
    says why, in words an operator can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _to_re2(pattern: str) -> str:
    def rewrite(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if len(escaped) == 5:  # u + four hex digits
            return "\\x{" + escaped[1:] + "}"
        return match.group(0)

    return _ESCAPE.sub(rewrite, pattern)


# RE2's words → the catalogue's reason (core.catalogue "pattern_reason.*").
_REASONS = (
    ("invalid perl operator: (?=", "lookahead"),
    ("invalid perl operator: (?!", "lookahead"),
    ("invalid perl operator: (?<", "lookbehind"),
    ("invalid escape sequence: \\1", "backreference"),
    ("invalid repetition size", "repetition"),
    ("bad repetition operator", "repetition"),
    ("pattern too large", "too_large"),
)


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re2._Regexp:
    """The compiled RE2 program of an operator's pattern (cached).

    Raises PatternError when RE2 cannot run it: unsupported syntax (backreferences,
    look-around), a program over ``MAX_PROGRAM_BYTES``, or a pattern longer than
    ``MAX_PATTERN_CHARS`` characters.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(message("pattern_reason.too_long", limit=MAX_PATTERN_CHARS))
    try:
        return re2.compile(_to_re2(pattern), _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        for marker, reason in _REASONS:
            if marker in detail:
                raise PatternError(message(f"pattern_reason.{reason}")) from exc
        raise PatternError(message("pattern_reason.invalid", detail=detail)) from exc


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (see ``compile_pattern``), or None."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return exc.reason
    return None


def pattern_search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (JSON Schema's ``pattern``
    semantics: unanchored), in time linear in ``len(text)``. Raises PatternError
    for a pattern ``compile_pattern`` refuses."""
    return compile_pattern(pattern).search(text) is not None
