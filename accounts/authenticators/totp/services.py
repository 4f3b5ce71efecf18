"""Authenticator apps (TOTP, RFC 6238) for pool users, checked with django-otp's
``TOTP`` on our own device model (``TotpDevice``).

Enrolment: a new key is shown as a QR code (rendered here, as inline SVG, with
segno) and as text; the device is saved only when the user confirms it with a
first code. Verification runs under a row lock: the accepted time step is stored
(``last_t``) and that code and any earlier one are refused afterwards, so two
simultaneous submissions of one code cannot both pass. Wrong codes are throttled
(django-otp's ``ThrottlingMixin``: 1, 2, 4 … seconds between tries).
"""

from __future__ import annotations

import base64
import time
from binascii import unhexlify
from urllib.parse import quote, urlencode

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.util import random_hex

from core.catalogue import error, wait_words

from ...models import TotpDevice

STEP = 30
DIGITS = 6
TOLERANCE = 1  # one step either side: clocks drift
QUIET_ZONE = 4  # light modules around a QR code


def totp_new_key() -> str:
    """A new 160-bit key, hex-encoded (kept in the hosted session until confirmed)."""
    return random_hex(20)


def totp_manual_key(key: str) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    text = base64.b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_uri(*, key: str, issuer: str, account: str) -> str:
    """The ``otpauth://`` URI the QR code carries."""
    secret = base64.b32encode(unhexlify(key)).decode().rstrip("=")
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP}
    )
    return f"otpauth://totp/{label}?{query}"


def totp_qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG markup (no image request, no external
    service): the symbol with its quiet zone of four light modules (ISO/IEC
    18004; scanners need it), all inside the ``viewBox``. No width or height:
    the stylesheet sizes it (``.qr svg``) and it scales to its box, so no edge
    is ever cut off."""
    return segno.make(uri, error="m").svg_inline(
        border=QUIET_ZONE, dark="#111", light="#fff", omitsize=True
    )


def _token(code: str) -> int | None:
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    return int(code)


def _check(key: str, token: int, *, min_t: int) -> int | None:
    """The time step ``token`` is valid for (within the tolerance, not before
    ``min_t``), or None."""
    totp = TOTP(unhexlify(key), STEP, 0, DIGITS, 0)
    totp.time = time.time()
    if totp.verify(token, TOLERANCE, min_t):
        return totp.t()
    return None


def totp_confirm(*, user, key: str, code: str) -> TotpDevice:
    """Save ``user``'s authenticator app once ``code`` matches ``key`` (replacing
    an earlier app). Raises ValidationError ``totp_code_invalid``."""
    token = _token(code)
    step = _check(key, token, min_t=0) if token is not None else None
    if step is None:
        raise error("totp_code_invalid")
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        return TotpDevice.objects.create(
            user=user, key=key, last_t=step, last_used_at=timezone.now()
        )


def totp_verify(*, user, code: str) -> None:
    """Accept ``code`` from ``user``'s authenticator app, once. Raises
    ValidationError ``totp_code_invalid`` (wrong, replayed, or no app) or
    ``totp_throttled`` (too soon after wrong codes; nothing is checked)."""
    token = _token(code)
    wait = None
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise error("totp_code_invalid")
        allowed, info = device.verify_is_allowed()
        if not allowed:
            left = info["locked_until"] - timezone.now()
            wait = max(1, int(left.total_seconds()) + 1)
        else:
            step = (
                _check(device.key, token, min_t=device.last_t + 1)
                if token is not None
                else None
            )
            if step is None:
                device.throttle_increment(commit=True)
            else:
                device.last_t = step
                device.last_used_at = timezone.now()
                device.throttle_reset(commit=False)
                device.save()
                return
    if wait is not None:
        raise error("totp_throttled", wait=wait_words(wait))
    raise error("totp_code_invalid")


def totp_remove(*, user) -> bool:
    """Remove ``user``'s authenticator app; True when there was one."""
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    return bool(deleted)
