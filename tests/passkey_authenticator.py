"""A software WebAuthn authenticator for tests: it answers the options our
server sends with the JSON a browser posts after ``navigator.credentials.create()``
(attestation "none") or ``.get()`` (an ES256 signature with its P-256 key), so
the server's checks run on real cryptography without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One discoverable credential (made by ``register``) for one user."""

    def __init__(
        self,
        *,
        rp_id: str = "localhost",
        origin: str = "http://localhost:8000",
        synced: bool = False,
        credential_id: bytes | None = None,
    ) -> None:
        self.rp_id = rp_id
        self.origin = origin
        self.synced = synced
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = credential_id or os.urandom(32)
        self.user_handle: bytes | None = None
        self.sign_count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _flags(self, *, uv: bool, attested: bool = False) -> int:
        flags = UP | (UV if uv else 0) | (AT if attested else 0)
        return flags | (BE | BS if self.synced else 0)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def register(
        self, options: dict | str, *, uv: bool = True, origin: str | None = None
    ) -> dict:
        """The browser's answer to registration ``options`` (as our server
        sends them)."""
        options = json.loads(options) if isinstance(options, str) else options
        self.user_handle = unb64(options["user"]["id"])
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([self._flags(uv=uv, attested=True)])
            + self.sign_count.to_bytes(4, "big")
            + bytes(16)  # AAGUID: none
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["internal", "hybrid"],
            },
        }

    def sign_in(
        self,
        options: dict | str,
        *,
        uv: bool = True,
        origin: str | None = None,
        sign_count: int | None = None,
        user_handle: bytes | bool | None = True,
    ) -> dict:
        """The browser's answer to authentication ``options``. The counter
        grows by one unless ``sign_count`` is given; ``user_handle``: True for
        the registered one, None or False for none, or bytes."""
        options = json.loads(options) if isinstance(options, str) else options
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([self._flags(uv=uv)])
            + self.sign_count.to_bytes(4, "big")
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(),
            ec.ECDSA(hashes.SHA256()),
        )
        handle = self.user_handle if user_handle is True else user_handle or None
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": b64(handle) if handle else None,
            },
        }
