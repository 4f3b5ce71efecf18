"""Input hygiene: the one rule for text that enters the system.

Text may not contain NUL characters (PostgreSQL cannot store them, and they truncate
strings in C libraries) or lone surrogates (U+D800 to U+DFFF on their own: JSON can
spell them as ``"\\ud800"``, but they are not characters and cannot be encoded as
UTF-8). ``text_problem`` says whether a string breaks the rule, ``json_text_problems``
walks a parsed JSON document (keys included) and ``text_problem_message`` says what
is wrong and how to fix it. The request middleware (``core.middleware``) applies the
rule to every query parameter and form field; JSON documents (user schemas, user
data, API bodies) are checked where they are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .catalogue import message

NUL = "nul"
SURROGATE = "surrogate"

_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """``"nul"`` or ``"surrogate"`` for the first unsafe character of ``text``, or
    None when it is clean."""
    found = _UNSAFE.search(text)
    if found is None:
        return None
    return NUL if found.group() == "\x00" else SURROGATE


def json_text_problems(
    document: object, *, limit: int = 20
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, problem) for each unsafe string or object key of a parsed JSON
    document, at most ``limit`` of them. Iterative, so hostile nesting cannot
    exhaust the stack. A key's problem is reported at the path of its value."""
    found = 0
    stack: list[tuple[tuple[str | int, ...], object]] = [((), document)]
    while stack and found < limit:
        path, node = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                found += 1
                yield path, problem
        elif isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                key_problem = text_problem(key) if isinstance(key, str) else None
                if key_problem:
                    found += 1
                    yield (*path, printable(key)), key_problem
                    continue
                stack.append(((*path, key), value))
        elif isinstance(node, list):
            stack.extend(
                ((*path, index), value)
                for index, value in reversed(list(enumerate(node)))
            )


def printable(text: str) -> str:
    """``text`` with its unsafe characters written as escapes, for messages."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def text_problem_message(problem: str, *, subject: str = "") -> str:
    """What is wrong and how to fix it. ``subject`` names the text ("Search",
    "At /title: the text"); the default is "This text"."""
    return message(
        f"text_invalid.{problem}",
        subject=subject or message("text_invalid.this_text"),
    )
