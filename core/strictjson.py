"""The one JSON reader for outside input: API request bodies (the API root's
parser), import files and lines, user-schema documents.

Strict JSON, the rules every reader of ours applies:

- an object may not hold the same key twice (JSON readers disagree about which
  value wins, so a document could mean one thing here and another elsewhere);
- ``NaN``, ``Infinity`` and ``-Infinity`` are refused, and so are numbers too
  large to be finite (``1e999``): Python accepts them, JSON and PostgreSQL do not;
- integers too long to read and nesting deeper than the interpreter can follow
  are refused as values, never a crash;
- ``max_chars`` bounds the text when a caller has its own limit.

Every refusal is a ``JSONProblem`` (a ValueError): ``kind`` says which rule,
``str()`` says what is wrong in words (for a syntax error, ``json``'s own
"Expecting value: line 1 column 1 (char 0)"), and syntax errors keep their line
and column. Text that cannot be stored (NUL characters, lone surrogates) is valid
JSON: callers check the parsed value with ``core.text.json_text_problems``, which
says where each one is.
"""

from __future__ import annotations

import json
import math
from typing import Any

SYNTAX = "syntax"
DUPLICATE_KEY = "duplicate_key"
VALUE = "value"
TOO_LONG = "too_long"


class JSONProblem(ValueError):
    """Why a text is not strict JSON. ``kind`` is ``SYNTAX`` (``line`` and
    ``column`` set, ``problem`` the parser's words), ``DUPLICATE_KEY`` (``key``),
    ``VALUE`` (NaN/Infinity, a number out of range, nesting too deep) or
    ``TOO_LONG`` (``length`` and ``limit``)."""

    def __init__(
        self,
        kind: str,
        text: str,
        *,
        problem: str = "",
        key: str = "",
        line: int = 0,
        column: int = 0,
        length: int = 0,
        limit: int = 0,
    ) -> None:
        super().__init__(text)
        self.kind, self.problem, self.key = kind, problem or text, key
        self.line, self.column = line, column
        self.length, self.limit = length, limit


class _DuplicateKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_refuse_constant, parse_float=_finite
)


def _problem(exc: BaseException) -> JSONProblem:
    if isinstance(exc, JSONProblem):
        return exc
    if isinstance(exc, json.JSONDecodeError):
        return JSONProblem(
            SYNTAX, str(exc), problem=exc.msg, line=exc.lineno, column=exc.colno
        )
    if isinstance(exc, _DuplicateKey):
        key = exc.args[0]
        return JSONProblem(
            DUPLICATE_KEY, f'the key "{key}" appears twice in one object', key=key
        )
    return JSONProblem(VALUE, str(exc))


def loads(data: str | bytes, *, max_chars: int | None = None) -> Any:
    """The value of the strict JSON ``data``; raises ``JSONProblem``. Bytes are
    decoded as ``json.loads`` decodes them (UTF-8, -16 or -32, found from the
    first bytes); a caller that allows only UTF-8 decodes first."""
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode(json.detect_encoding(data), "surrogatepass")
        except UnicodeDecodeError as exc:
            raise JSONProblem(VALUE, str(exc)) from exc
    if max_chars is not None and len(data) > max_chars:
        raise JSONProblem(
            TOO_LONG,
            f"the text is {len(data)} characters long; the limit is {max_chars}",
            length=len(data),
            limit=max_chars,
        )
    try:
        return _DECODER.decode(data)
    except (ValueError, RecursionError) as exc:
        raise _problem(exc) from exc


def raw_decode(text: str, pos: int = 0) -> tuple[Any, int]:
    """The strict JSON value that starts at ``text[pos]`` and where it ends (for
    reading a stream of values); raises ``JSONProblem``."""
    try:
        return _DECODER.raw_decode(text, pos)
    except (ValueError, RecursionError) as exc:
        raise _problem(exc) from exc
