"""The import's and export's record errors. The texts are in the catalogue
(``identity_pools/messages.py``); read them through ``text``;
a record's error is ``problem(key, path, **params)``: ``{"code", "message",
"path"}`` with the code before the key's dot and ``path`` a JSON pointer into the
record."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from core.catalogue import json_pointer, message
from core.text import text_problem


def text(key: str, /, **params: Any) -> str:
    """Our message ``key`` (or the catalogue's) with ``params`` filled in."""
    return message(key, **params)


def problem(
    key: str, path: Iterable[str | int] = (), /, code: str = "", **params: Any
) -> dict:
    """A record's error: ``{"code", "message", "path"}`` (the code is the key's
    part before the dot unless ``code`` is given)."""
    return {
        "code": code or key.split(".", 1)[0],
        "message": text(key, **params),
        "path": json_pointer(path),
    }


class RecordProblem(Exception):
    """One error of a record, raised where it is found (``problem``'s args)."""

    def __init__(
        self, key: str, path: Iterable[str | int] = (), code: str = "", **params: Any
    ) -> None:
        super().__init__(key)
        self.key, self.path, self.code, self.params = key, tuple(path), code, params

    def as_error(self, prefix: Iterable[str | int] = ()) -> dict:
        return problem(self.key, (*prefix, *self.path), code=self.code, **self.params)


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII as it is; but with ``\\u`` escapes when the value
    holds a lone surrogate (an error can quote what a record sent), which UTF-8
    cannot encode."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if text_problem(text) == "surrogate":
        return json.dumps(value, separators=(",", ":"))
    return text
