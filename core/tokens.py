"""Random secrets that are stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A URL-safe token with 256 bits of entropy, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    # SHA-256 suffices: the token has 256 bits of entropy, so there is nothing to
    # brute-force; lookups by hash are constant-time with respect to the secret.
    return hashlib.sha256(token.encode()).hexdigest()
