"""One catalogue of the user-facing messages, keyed by stable code.

Every message a person reads (form errors, refusals, warnings) is in it, so that
the wording is consistent, reviewed in one place per app and translated once.
Each app keeps its own in ``<app>/messages.py`` and registers them there
(``register``, when the app loads: its ``apps.py`` imports that module), so core
names no feature; core's own plumbing's are in ``core/messages.py``. A key is a
code (``"identifier_taken"``) or a code with a reason (``"schema_unrenderable.
keyword"``): the ValidationError's code is the part before the dot, and tests
assert codes, not wording. Each message says what is wrong and what to do.

Read them only through this module: ``message(key, **params)``; raise with
``error(key, **params)`` (a ValidationError with the key's code) or
``field_error(field, key, **params)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import ngettext

# Every registered message, by key (``register``).
MESSAGES: dict[str, Any] = {}


def register(messages: dict[str, Any]) -> None:
    """Add an app's ``messages`` to the catalogue. A key registered twice with
    another text is a mistake (two apps would say different things)."""
    for key, text in messages.items():
        if key in MESSAGES and MESSAGES[key] is not text:
            raise ImproperlyConfigured(f"The message {key!r} is registered twice.")
    MESSAGES.update(messages)


def message(key: str, /, **params: Any) -> str:
    """The message ``key`` with ``params`` filled in (``%(name)s`` placeholders)."""
    text = str(MESSAGES[key])
    return text % params if params else text


def error(key: str, /, **params: Any) -> ValidationError:
    """A ValidationError with the message ``key`` and the code before its dot."""
    return ValidationError(message(key, **params), code=key.split(".", 1)[0])


def field_error(field: str, key: str, /, **params: Any) -> ValidationError:
    """``error(key, **params)`` attached to the form or service field ``field``."""
    return ValidationError({field: error(key, **params)})


def wait_words(seconds: int) -> str:
    """How long to wait, in words, for the ``%(wait)s`` of a message: "1 second",
    "45 seconds" (under two minutes), "15 minutes" (under two hours, rounded up),
    "3 hours". Never less than one second. Every message that asks someone to
    wait says it with this, so the number and its word agree."""
    seconds = max(1, int(seconds))
    if seconds < 120:
        return ngettext("%d second", "%d seconds", seconds) % seconds
    if seconds < 2 * 3600:
        minutes = (seconds + 59) // 60
        return ngettext("%d minute", "%d minutes", minutes) % minutes
    hours = (seconds + 3599) // 3600
    return ngettext("%d hour", "%d hours", hours) % hours


def json_pointer(path: Iterable[str | int]) -> str:
    """The RFC 6901 JSON pointer of ``path`` ("" for the document itself)."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in path
    )


def at(path: Iterable[str | int]) -> str:
    """Where in a JSON document: "At /properties/age" or "At the top level"."""
    pointer = json_pointer(path)
    return f"At {pointer}" if pointer else "At the top level"


def located_error(
    key: str, path: Iterable[str | int] = (), /, **params: Any
) -> ValidationError:
    """``error(key, ...)`` for a message that starts with the JSON location
    ``path`` (its ``%(at)s`` placeholder)."""
    return error(key, at=at(path), **params)
