"""Workspaces' token-signing keys (the OpenID provider's): made, rotated,
decrypted for signing, and published as the workspace's JWKS.

Private keys are stored as PKCS#8 PEM encrypted with AES-256-GCM under a key
derived (HKDF-SHA256) from ``settings.SIGNING_KEYS_SECRET``, or SECRET_KEY when
that is empty. The key row's id is the associated data, so a ciphertext copied
onto another row does not decrypt. Neither the private key nor the encryption
key is ever logged, audited or shown.

Rotation publishes before it signs: the "next" key (in the JWKS already) becomes
"active", the active one becomes "retired" (still published until the tokens it
signed have expired), and a new "next" key is made for the rotation after.
"""

from __future__ import annotations

import functools
import os
import time
from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from joserfc.jwk import ECKey, RSAKey

from core.audit import audit_record
from workspaces.models import Workspace

from .models import Application, SigningKey
from .selectors import PUBLIC_DOCUMENTS, published_keys

Alg = SigningKey.Alg
State = SigningKey.State

RSA_KEY_BITS = 2048
# Changing this string makes every stored key unreadable: it names the purpose.
HKDF_INFO = b"identity-pools/workspaces/signing-keys/v1"
FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12
# ID tokens live this long: a retired key stays published at least as long.
ID_TOKEN_SECONDS = 3600


@functools.lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret.encode()
    )
    return AESGCM(key)


def _cipher() -> AESGCM:
    return _aead(settings.SIGNING_KEYS_SECRET or settings.SECRET_KEY)


def _associated_data(key: SigningKey) -> bytes:
    return b"signing-key:" + str(key.pk).encode()


def _encrypt(plaintext: bytes, *, key: SigningKey) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher().encrypt(nonce, plaintext, _associated_data(key))
    return FORMAT_VERSION + nonce + sealed


def _decrypt(blob: bytes, *, key: SigningKey) -> bytes:
    """The plaintext; raises ``cryptography.exceptions.InvalidTag`` when the
    blob was not sealed for this row under the current secret."""
    blob = bytes(blob)
    if blob[:1] != FORMAT_VERSION:
        raise ValueError("Unknown signing-key format.")
    nonce = blob[1 : 1 + NONCE_BYTES]
    return _cipher().decrypt(nonce, blob[1 + NONCE_BYTES :], _associated_data(key))


def _jwk_parameters(key: SigningKey) -> dict[str, str]:
    return {"kid": key.kid, "alg": key.alg, "use": "sig"}


def _key_class(alg: str):
    return {Alg.ES256: ECKey, Alg.RS256: RSAKey}[alg]


def _generate(key: SigningKey):
    if key.alg == Alg.ES256:
        return ECKey.generate_key(
            "P-256", parameters=_jwk_parameters(key), private=True
        )
    return RSAKey.generate_key(
        RSA_KEY_BITS, parameters=_jwk_parameters(key), private=True
    )


def signing_key_create(
    *, workspace: Workspace, alg: str = Alg.ES256, state: str = State.NEXT
) -> SigningKey:
    """A new key pair for ``workspace``, stored "next" or "active" (an active
    key when the workspace already has one for ``alg`` raises IntegrityError:
    use ``signing_key_rotate`` to change keys)."""
    if alg not in Alg.values:
        raise ValueError(f"Unsupported signing algorithm: {alg!r}")
    if state not in (State.NEXT, State.ACTIVE):
        raise ValueError("A signing key is made 'next' or 'active'.")
    key = SigningKey(workspace=workspace, alg=alg, state=state)
    private = _generate(key)
    key.public_jwk = private.as_dict(private=False)
    key.private_key_encrypted = _encrypt(private.as_pem(private=True), key=key)
    if state == State.ACTIVE:
        key.activated_at = timezone.now()
    with transaction.atomic():
        key.save(force_insert=True)
    PUBLIC_DOCUMENTS.clear()
    return key


def signing_key_active(*, workspace: Workspace, alg: str = Alg.ES256):
    """The key ``workspace`` signs ``alg`` tokens with, or None."""
    return SigningKey.objects.filter(
        workspace=workspace, alg=alg, state=State.ACTIVE
    ).first()


_ACTIVE_CACHE: dict = {}
ACTIVE_CACHE_SECONDS = 60


def signing_key_for_signing(*, workspace: Workspace, alg: str = Alg.ES256):
    """The key to sign ``alg`` tokens of ``workspace`` with, remembered in this
    process for a minute (signing happens on every token). A rotation elsewhere
    is picked up within that minute; the key it replaced stays published far
    longer, so tokens signed meanwhile still verify."""
    cache_key = (workspace.pk, alg)
    now = time.monotonic()
    cached = _ACTIVE_CACHE.get(cache_key)
    if cached is not None and cached[0] > now:
        return cached[1]
    key = signing_keys_ensure(workspace=workspace, alg=alg)
    if len(_ACTIVE_CACHE) > 1000:
        _ACTIVE_CACHE.clear()
    _ACTIVE_CACHE[cache_key] = (now + ACTIVE_CACHE_SECONDS, key)
    return key


def signing_keys_ensure(*, workspace: Workspace, alg: str = Alg.ES256) -> SigningKey:
    """The active ``alg`` key of ``workspace``, made now if it has none (the
    provider calls this lazily, before signing), together with a "next" key
    (unless one exists), so that every rotation activates a key that was
    already published. Concurrent first calls end with one active and one
    next key."""
    key = signing_key_active(workspace=workspace, alg=alg)
    if key is not None:
        return key
    with transaction.atomic():
        _lock_workspace(workspace)
        key = signing_key_active(workspace=workspace, alg=alg)
        if key is None:
            key = signing_key_create(workspace=workspace, alg=alg, state=State.ACTIVE)
            has_next = SigningKey.objects.filter(
                workspace=workspace, alg=alg, state=State.NEXT
            ).exists()
            if not has_next:
                signing_key_create(workspace=workspace, alg=alg, state=State.NEXT)
    return key


def _lock_workspace(workspace: Workspace) -> None:
    """Serialise key changes of ``workspace`` (also when it has no keys yet,
    which row locks on the keys could not). FOR NO KEY UPDATE: rows that
    reference the workspace can still be inserted meanwhile."""
    Workspace.objects.select_for_update(no_key=True).filter(pk=workspace.pk).exists()


def signing_key_rotate(
    *, workspace: Workspace, alg: str = Alg.ES256, actor, keep_seconds: int
) -> SigningKey:
    """Rotate ``workspace``'s ``alg`` key and return the new active key.

    The "next" key (or, if there is none, a new one) becomes active; the active
    one is retired and stays published for ``keep_seconds`` (the longest
    lifetime of a token it may have signed, given by the caller); a new "next"
    key is published for the rotation after. Retired keys past their time are
    deleted. Concurrent rotations run one after the other.
    """
    if alg not in Alg.values:
        raise ValueError(f"Unsupported signing algorithm: {alg!r}")
    if keep_seconds < 0:
        raise ValueError("keep_seconds must not be negative.")
    with transaction.atomic():
        _lock_workspace(workspace)
        now = timezone.now()
        keys = list(
            SigningKey.objects.select_for_update()
            .filter(workspace=workspace, alg=alg)
            .exclude(state=State.RETIRED)
        )
        old = next((k for k in keys if k.state == State.ACTIVE), None)
        new = next((k for k in keys if k.state == State.NEXT), None)
        if old is not None:
            old.state = State.RETIRED
            old.retired_at = now
            old.retire_after = now + timedelta(seconds=keep_seconds)
            old.save(update_fields=["state", "retired_at", "retire_after"])
        if new is None:
            new = signing_key_create(workspace=workspace, alg=alg, state=State.ACTIVE)
        else:
            new.state = State.ACTIVE
            new.activated_at = now
            new.save(update_fields=["state", "activated_at"])
        upcoming = signing_key_create(workspace=workspace, alg=alg, state=State.NEXT)
        expired = SigningKey.objects.filter(
            workspace=workspace, alg=alg, state=State.RETIRED, retire_after__lte=now
        )
        deleted = sorted(expired.values_list("kid", flat=True))
        if deleted:
            expired.delete()
        audit_record(
            actor=actor,
            action="signing_key.rotated",
            workspace=workspace,
            target=new,
            details={
                "alg": alg,
                "activated": new.kid,
                "retired": old.kid if old is not None else None,
                "next": upcoming.kid,
                "deleted": deleted,
                "keep_seconds": keep_seconds,
            },
        )
    _ACTIVE_CACHE.pop((workspace.pk, alg), None)
    PUBLIC_DOCUMENTS.clear()
    return new


def signing_key_keep_seconds(*, workspace: Workspace) -> int:
    """How long a key retired now must stay published: the longest
    access-token lifetime among ``workspace``'s applications, and at least
    ``ID_TOKEN_SECONDS`` (the lifetime of ID tokens). One query."""
    longest = Application.objects.for_workspace(workspace).aggregate(
        longest=Max("access_token_seconds")
    )["longest"]
    return max(ID_TOKEN_SECONDS, longest or 0)


def signing_key_list(*, workspace: Workspace) -> list[SigningKey]:
    """Every signing key of ``workspace`` (its own only), newest first, without
    the encrypted private key. One query."""
    return list(
        SigningKey.objects.filter(workspace=workspace)
        .defer("private_key_encrypted")
        .order_by("-created_at", "kid")
    )


def signing_key_private(key: SigningKey):
    """The private key of ``key`` as a joserfc key (ECKey or RSAKey, with its
    kid, alg and use), to sign with. Raises if the stored ciphertext does not
    belong to this row or the secret changed. Decrypted keys are kept in this
    process (by row, ciphertext and secret), as signing does on every token."""
    return _private(
        str(key.pk),
        bytes(key.private_key_encrypted),
        key.alg,
        key.kid,
        settings.SIGNING_KEYS_SECRET or settings.SECRET_KEY,
    )


@functools.lru_cache(maxsize=64)
def _private(pk: str, blob: bytes, alg: str, kid: str, secret: str):
    key = SigningKey(pk=pk, alg=alg, kid=kid)
    pem = _decrypt(blob, key=key)
    return _key_class(alg).import_key(pem, parameters=_jwk_parameters(key))


def workspace_jwks(*, workspace: Workspace) -> dict:
    """The public JWK Set of ``workspace``: its next, active and retired keys
    still within their time, active keys first (one query: the JWKS
    endpoint's, ``selectors.published_keys``)."""
    found = published_keys(slug=workspace.slug, now=timezone.now(), jwks=True)
    return {"keys": [jwk for _kid, _alg, jwk in found[1]] if found else []}
