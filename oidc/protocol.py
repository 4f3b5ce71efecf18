"""What the provider's answers look like on the wire, wherever they are made:
OAuth error texts in the character set RFC 6749 allows, and HTTP
authentication challenges (``WWW-Authenticate``, RFC 7235 and RFC 6750) made
from the very error body they go with, so that the two always agree."""

from __future__ import annotations

import json

# RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3: error_description is printable
# ASCII without the double quote and the backslash.
_ALLOWED = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}
MAX_TEXT = 300


def oauth_text(text: str) -> str:
    """``text`` as an ``error_description`` may carry it: characters outside
    RFC 6749's set become "?" (a request's own odd value echoed back never
    breaks the answer), at most ``MAX_TEXT`` characters."""
    text = str(text).replace("“", "'").replace("”", "'").replace("…", "...")
    safe = "".join(c if c in _ALLOWED else "?" for c in text)
    return safe if len(safe) <= MAX_TEXT else safe[: MAX_TEXT - 3] + "..."


def _param(name: str, value: str) -> str:
    return f'{name}="{oauth_text(value)}"'


def challenge(scheme: str, *, realm: str, body: dict | None = None) -> str:
    """A ``WWW-Authenticate`` value for ``scheme`` ("Bearer", "Basic"): the
    realm, then the body's ``error`` with its ``error_description`` and
    ``scope``. A body without ``error`` (the request sent no credentials at
    all) gets the realm alone: RFC 6750 §3.1 leaves out error information
    then."""
    parts = [_param("realm", realm)]
    body = body or {}
    if body.get("error"):
        for name in ("error", "error_description", "scope"):
            if body.get(name):
                parts.append(_param(name, body[name]))
    return f"{scheme} " + ", ".join(parts)


def json_body(response) -> dict:
    """The JSON object of ``response`` ({} when it is not one)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
