"""Passkeys (WebAuthn credentials) of pool users, checked with py_webauthn.

py_webauthn checks a ceremony's cryptography (challenge, origin, RP id hash,
flags, signature, attestation); the duties it leaves to us are kept here:

- Challenges are made and stored server-side (``WebAuthnChallenge``), bound to
  the pool, the purpose, (registration, second factor) the user and the
  browser that asked for them (``browser``: a secret its hosted session keeps,
  stored hashed); they die after five minutes and are used at most once: taken
  under a row lock and marked used in the same transaction, whatever the
  verification says next. A challenge posted from another browser is refused
  and not spent: whoever learns its id can neither use it nor take it from the
  browser it was given to.
- The relying party is ``settings.WEBAUTHN_RP_ID`` and the allowed origins
  ``settings.WEBAUTHN_ORIGINS`` (from PUBLIC_URL), never request headers.
- A credential id names one user of the whole installation (a unique
  constraint; a second registration of it is ``passkey_taken``), and ids
  longer than 1023 bytes are refused. Sign-in looks the credential up only
  among the users of the pool; when a user was identified first (an
  identifier typed, or the second-factor stage) the credential must be theirs,
  and a usernameless sign-in needs the user handle, which must match.
- User verification is required at registration and when the passkey is the
  first factor (then it stands for two factors).
- The signature counter: stored after every use; a counter that did not grow
  (when either value is non-zero) means a cloned authenticator: refused and
  audited. We compare it ourselves after the signature is verified (py_webauthn
  is given 0 and so skips its own check, which would run before the signature
  check), so a forged response can never pass for a clone.

Any malformed input fails with a message from the catalogue (``passkey_failed``),
never an exception of the library.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core import ratelimit, strictjson
from core.audit import SystemActor
from core.catalogue import error, field_error, wait_words
from core.text import text_problem, text_problem_message
from core.tokens import same_secret, token_hash
from identity_pools.models import Identifier, PoolUser
from identity_pools.stats import pool_stat_add

from ...models import Passkey, WebAuthnChallenge
from ..events import user_audit

logger = logging.getLogger(__name__)

CHALLENGE_SECONDS = 5 * 60
MAX_JSON = 64 * 1024  # a browser's response is a few KiB
MAX_CREDENTIAL_ID = 1023  # bytes (WebAuthn §7.1 step 25)
NAME_MAX = 100
# Verifications, and unauthenticated option requests, per client address.
VERIFY_LIMIT = (30, 15 * 60)
OPTIONS_LIMIT = (100, 15 * 60)
TRANSPORTS = {t.value for t in AuthenticatorTransport}

Purpose = WebAuthnChallenge.Purpose


# --- challenges -------------------------------------------------------------------


def _challenge_new(
    *, pool, user, purpose: str, challenge: bytes, browser: str
) -> uuid.UUID:
    if not browser:
        raise ValueError("A passkey challenge needs the browser it is given to.")
    now = timezone.now()
    # Expired challenges go in passing: one DELETE on the expiry index.
    WebAuthnChallenge.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    row = WebAuthnChallenge.objects.create(
        pool=pool,
        user=user,
        purpose=purpose,
        challenge=challenge,
        browser=token_hash(browser),
        expires_at=now + timedelta(seconds=CHALLENGE_SECONDS),
    )
    return row.pk


def _challenge_take(
    *, challenge_id, pool, purpose: str, user, browser: str
) -> bytes | None:
    """The challenge ``challenge_id`` made for ``pool``, ``purpose``, ``user``
    (None for a sign-in's first factor) and ``browser``, marked used; None when
    it is unknown, used, expired or another's (then it is left as it was: a
    challenge of another browser stays good for that browser). Call inside a
    transaction: the mark lands with it, and the row lock makes two
    simultaneous uses end in one."""
    try:
        pk = uuid.UUID(str(challenge_id))
    except ValueError:
        return None
    row = WebAuthnChallenge.objects.select_for_update().filter(pk=pk).first()
    now = timezone.now()
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or row.pool_id != pool.pk
        or row.purpose != purpose
        or row.user_id != (user.pk if user is not None else None)
        or not browser
        or not same_secret(row.browser, token_hash(browser))
    ):
        return None
    row.used_at = now
    row.save(update_fields=["used_at"])
    return bytes(row.challenge)


# --- input ------------------------------------------------------------------------


def _parsed(response, parse):
    """``response`` (the browser's credential, as a JSON text or parsed) through
    py_webauthn's ``parse``; ValidationError ``passkey_failed`` when it is too
    large or malformed."""
    try:
        if isinstance(response, bytes | str):
            if len(response) > MAX_JSON:
                raise error("passkey_failed")
            response = strictjson.loads(response)
        if not isinstance(response, dict):
            raise error("passkey_failed")
        return parse(response)
    except ValidationError:
        raise
    except Exception as exc:  # any malformed input: a message, never a 500
        logger.info("Malformed passkey response: %r", exc)
        raise error("passkey_failed") from None


def passkey_name_clean(name: str) -> str:
    """``name`` stripped; ValidationError on "name" when it is empty, longer than
    100 characters or holds a NUL character or a lone surrogate."""
    if not isinstance(name, str):
        name = ""
    problem = text_problem(name)
    if problem:
        raise ValidationError(
            {
                "name": ValidationError(
                    text_problem_message(problem, subject="The name"),
                    code="text_invalid",
                )
            }
        )
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise field_error("name", "passkey_name_invalid", max=NAME_MAX)
    return name


def _descriptors(user) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(credential_id),
            transports=[
                AuthenticatorTransport(t) for t in transports if t in TRANSPORTS
            ]
            or None,
        )
        for credential_id, transports in Passkey.objects.filter(user=user)
        .order_by("created_at")
        .values_list("credential_id", "transports")
    ]


# --- registration -----------------------------------------------------------------


def passkey_registration_options(*, user, browser: str) -> tuple[uuid.UUID, str]:
    """Options for ``navigator.credentials.create()`` for ``user`` (a
    discoverable credential with user verification; their passkeys excluded),
    and the id of the stored challenge, good only when ``browser`` (the asking
    browser's secret) comes back with it. Assumes ``user.pool`` is the pool of
    the page (tenancy is the caller's)."""
    workspace = user.pool.workspace
    name = user.identifiers.order_by("id").values_list(
        "value", flat=True
    ).first() or str(user.pk)
    options = generate_registration_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        rp_name=workspace.name,
        user_id=user.pk.bytes,
        user_name=name,
        user_display_name=user.display_name or name,
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    challenge_id = _challenge_new(
        pool=user.pool,
        user=user,
        purpose=Purpose.REGISTER,
        challenge=options.challenge,
        browser=browser,
    )
    return challenge_id, options_to_json(options)


def passkey_register(
    *, user, challenge_id, response, browser: str, name: str = ""
) -> Passkey:
    """Save the passkey the browser created for ``user`` against the challenge
    ``challenge_id`` that ``browser`` asked for. ``name`` is optional ("Passkey 2" by default). Raises
    ValidationError: on "name" (see ``passkey_name_clean``), or
    ``passkey_challenge_invalid``, ``passkey_failed`` (malformed, not verified,
    a user who is not active), ``passkey_taken`` (the credential is registered
    already, to anyone)."""
    blank = isinstance(name, str) and not name.strip()
    name = "" if blank else passkey_name_clean(name)
    credential = _parsed(response, parse_registration_credential_json)
    failure = None
    with transaction.atomic():
        expected = _challenge_take(
            challenge_id=challenge_id,
            pool=user.pool,
            purpose=Purpose.REGISTER,
            user=user,
            browser=browser,
        )
        if expected is None:
            failure = "passkey_challenge_invalid"
        elif user.status != PoolUser.Status.ACTIVE:
            failure = "passkey_failed"
        else:
            try:
                verified = verify_registration_response(
                    credential=credential,
                    expected_challenge=expected,
                    expected_origin=settings.WEBAUTHN_ORIGINS,
                    expected_rp_id=settings.WEBAUTHN_RP_ID,
                    require_user_verification=True,
                )
            except Exception as exc:  # the library's refusal, or malformed data
                logger.info("Passkey registration refused: %r", exc)
                failure = "passkey_failed"
            else:
                if len(verified.credential_id) > MAX_CREDENTIAL_ID:
                    failure = "passkey_failed"
        if failure is None:
            transports = [t.value for t in credential.response.transports or []][:8]
            if not name:
                name = f"Passkey {Passkey.objects.filter(user=user).count() + 1}"
            try:
                with transaction.atomic():
                    passkey = Passkey.objects.create(
                        user=user,
                        name=name,
                        credential_id=bytes_to_base64url(verified.credential_id),
                        public_key=verified.credential_public_key,
                        sign_count=verified.sign_count,
                        transports=transports,
                        aaguid=str(verified.aaguid)[:36],
                        backed_up=verified.credential_backed_up,
                    )
            except IntegrityError:
                failure = "passkey_taken"
            else:
                user_audit(
                    user,
                    "pool_user.passkey_added",
                    {"passkey": str(passkey.pk), "name": name},
                )
    if failure is not None:
        raise error(failure)
    return passkey


# --- authentication ---------------------------------------------------------------


def passkey_authentication_options(
    *, pool, ip, browser: str, user=None
) -> tuple[uuid.UUID, str]:
    """Options for ``navigator.credentials.get()``, and the stored challenge's id
    (good only when ``browser``, the asking browser's secret, comes back with it).

    Sign-in (``user`` None): usernameless, with an empty allow-list (also after
    an identifier was typed, so the answer never tells whether it exists) and
    user verification required. Second factor (``user``: who passed the first
    one): their passkeys, user verification preferred. Raises ValidationError
    ``hosted_rate_limited`` past the per-address limit."""
    limit = ratelimit.Limit(f"hosted:passkey_options:{ip}", *OPTIONS_LIMIT)
    if ratelimit.hit(limit) > limit.max_events:
        raise error("hosted_rate_limited", wait=_wait(limit))
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        timeout=CHALLENGE_SECONDS * 1000,
        allow_credentials=_descriptors(user) if user is not None else [],
        user_verification=(
            UserVerificationRequirement.REQUIRED
            if user is None
            else UserVerificationRequirement.PREFERRED
        ),
    )
    challenge_id = _challenge_new(
        pool=pool,
        user=user,
        purpose=Purpose.AUTHENTICATE,
        challenge=options.challenge,
        browser=browser,
    )
    return challenge_id, options_to_json(options)


def _wait(limit: ratelimit.Limit) -> str:
    return wait_words(ratelimit.retry_after(limit))


# The sign-in method a passkey's use is recorded as: the key is on one device
# (RFC 8176 ``hwk``), or synced between devices by its provider (``swk``).
PASSKEY = "passkey"
SYNCED_PASSKEY = "synced_passkey"
PASSKEY_METHODS = (PASSKEY, SYNCED_PASSKEY)


class PasskeyUse(NamedTuple):
    """A passkey that passed: its active user, and the method to record
    (``PASSKEY`` or ``SYNCED_PASSKEY``, as the authenticator said this time)."""

    user: PoolUser
    method: str


def passkey_authenticate(
    *,
    pool,
    challenge_id,
    response,
    ip,
    browser: str,
    identifier: str | None = None,
    user=None,
) -> PasskeyUse:
    """The active user of ``pool`` whose passkey signed the challenge that
    ``browser`` asked for, and whether that passkey is synced.

    ``identifier``: the one typed before (the passkey must be its user's);
    ``user``: the second-factor stage (the passkey must be theirs; user
    verification is then not required). Neither: a usernameless sign-in.
    Raises ValidationError ``passkey_challenge_invalid``, ``passkey_unknown``
    (no such credential in this pool), ``passkey_failed`` (anything else) or
    ``hosted_rate_limited``. Failures are audited when the user is known."""
    limit = ratelimit.Limit(f"hosted:passkey:{ip}", *VERIFY_LIMIT)
    if ratelimit.hit(limit) > limit.max_events:
        raise error("hosted_rate_limited", wait=_wait(limit))
    identified = identifier is not None or user is not None
    expected = user
    if identifier is not None:
        found = (
            Identifier.objects.filter(pool=pool, value=identifier)
            .select_related("user")
            .first()
        )
        expected = found.user if found else None
    credential = _parsed(response, parse_authentication_credential_json)
    first_factor = user is None
    failure = reason = blamed = None
    with transaction.atomic():
        challenge = _challenge_take(
            challenge_id=challenge_id,
            pool=pool,
            purpose=Purpose.AUTHENTICATE,
            user=user,
            browser=browser,
        )
        passkey = None
        if challenge is None:
            failure, reason = "passkey_challenge_invalid", "challenge_invalid"
        else:
            passkey = (
                Passkey.objects.select_for_update(of=("self",))
                .select_related("user")
                .filter(
                    user__pool=pool,
                    credential_id=bytes_to_base64url(credential.raw_id),
                )
                .first()
            )
            if passkey is None:
                failure, reason = "passkey_unknown", "unknown_passkey"
                blamed = expected
            else:
                failure, reason, blamed = _assertion_check(
                    passkey=passkey,
                    credential=credential,
                    challenge=challenge,
                    expected=expected,
                    identified=identified,
                    first_factor=first_factor,
                )
        if failure is not None and blamed is not None:
            blamed.pool = pool
            user_audit(
                blamed,
                "pool_user.sign_in_failed",
                {"method": "passkey", "reason": reason},
                actor=SystemActor((identifier or "passkey")[:254]),
            )
            pool_stat_add(pool=pool, kind="sign_in_failed")
    if failure is not None:
        raise error(failure)
    owner = passkey.user
    owner.pool = pool
    return PasskeyUse(owner, SYNCED_PASSKEY if passkey.backed_up else PASSKEY)


def _assertion_check(
    *, passkey, credential, challenge, expected, identified, first_factor
):
    """Check one assertion against its ``passkey`` (row locked) and, when it
    passes, store the new counter. Returns (failure key, reason, user to blame)
    or three Nones."""
    owner = passkey.user
    if identified and (expected is None or expected.pk != owner.pk):
        return "passkey_failed", "another_users_passkey", expected
    if owner.status != PoolUser.Status.ACTIVE:
        return "passkey_failed", f"status_{owner.status}", owner
    handle = credential.response.user_handle
    if (handle is None and not identified) or (
        handle is not None and handle != owner.pk.bytes
    ):
        return "passkey_failed", "user_handle_mismatch", owner
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_origin=settings.WEBAUTHN_ORIGINS,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=0,  # compared below, once signed
            require_user_verification=first_factor,
        )
    except Exception as exc:  # the library's refusal, or malformed data
        logger.info("Passkey assertion refused: %r", exc)
        text = str(exc).lower()
        reason = "user_not_verified" if "verif" in text else "invalid_assertion"
        return "passkey_failed", reason, owner
    new = verified.new_sign_count
    if (new or passkey.sign_count) and new <= passkey.sign_count:
        logger.warning("Passkey %s: signature counter did not grow", passkey.pk)
        return "passkey_failed", "sign_count_not_increased", owner
    passkey.backed_up = verified.credential_backed_up
    Passkey.objects.filter(pk=passkey.pk).update(
        sign_count=new,
        backed_up=passkey.backed_up,
        last_used_at=timezone.now(),
    )
    return None, None, None


# --- management -------------------------------------------------------------------


def passkey_list(*, user) -> list[Passkey]:
    """``user``'s passkeys, oldest first."""
    return list(Passkey.objects.filter(user=user).order_by("created_at", "id"))


def passkey_of(*, user, passkey_id) -> Passkey | None:
    """``user``'s passkey ``passkey_id`` (any text), or None: another user's
    passkey is as absent as a missing one."""
    try:
        pk = uuid.UUID(str(passkey_id))
    except ValueError:
        return None
    return Passkey.objects.filter(user=user, pk=pk).first()


def passkey_rename(*, user, passkey: Passkey, name: str) -> Passkey:
    """Rename ``user``'s ``passkey``. Raises ValidationError on "name"."""
    if passkey.user_id != user.pk:
        raise error("passkey_unknown")
    name = passkey_name_clean(name)
    with transaction.atomic():
        old = passkey.name
        passkey.name = name
        passkey.save(update_fields=["name"])
        user_audit(
            user,
            "pool_user.passkey_renamed",
            {"passkey": str(passkey.pk), "name": [old, name]},
        )
    return passkey
