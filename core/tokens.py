"""Random secrets that are stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> tuple[str, str]:
    """A URL-safe token with 256 bits of entropy, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    # SHA-256 suffices: the token has 256 bits of entropy, so there is nothing to
    # brute-force; lookups by hash are constant-time with respect to the secret.
    return hashlib.sha256(token.encode()).hexdigest()


def new_numeric_code(length: int) -> str:
    """A random code of ``length`` digits (what a person types from an email or a
    text message)."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def keyed_hash(secret: str, *, salt: str) -> str:
    """An HMAC-SHA256 of ``secret`` under the installation's SECRET_KEY and a
    per-row ``salt``: short secrets (numeric codes) stored this way cannot be
    brute-forced from a leaked table without the key."""
    from django.conf import settings

    key = f"{settings.SECRET_KEY}:codes".encode()
    return hmac.new(key, f"{salt}:{secret}".encode(), hashlib.sha256).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a.encode(), b.encode())
