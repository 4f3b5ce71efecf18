"""Recovery codes: ten single-use codes a user keeps for when their second factor
is out of reach. Shown once when made, stored as keyed hashes; making new ones
invalidates the old. Using one is a single UPDATE, so a code works once even
when submitted twice at the same moment."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.catalogue import error
from core.tokens import keyed_hash

from ...models import Passkey, RecoveryCode, TotpDevice

COUNT = 10
# No 0/o, 1/l/i: read from paper and typed again.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH = 10  # about 49 bits each


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _hash(user, code: str) -> str:
    return keyed_hash(_normalise(code), salt=f"recovery:{user.pk}")


def recovery_codes_generate(*, user) -> list[str]:
    """Ten new codes for ``user`` (the old ones stop working), to show once."""
    codes = []
    for _ in range(COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_hash(user, code)) for code in codes
        )
    return codes


def recovery_codes_text(*, codes: list[str], workspace_name: str) -> str:
    """The codes as the text file a user downloads to keep: what they are for,
    then one code a line."""
    head = gettext(
        "Recovery codes for %(workspace)s\n\nEach code signs you in once when "
        "your authenticator app or passkey is out of reach. Making new codes "
        "replaces these."
    ) % {"workspace": workspace_name}
    return head + "\n\n" + "\n".join(codes) + "\n"


def recovery_code_use(*, user, code: str) -> None:
    """Use up one of ``user``'s recovery codes. Raises ValidationError
    ``recovery_code_invalid`` for a wrong or used code."""
    if not 8 <= len(_normalise(code)) <= 16:
        raise error("recovery_code_invalid")
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash(user, code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not used:
        raise error("recovery_code_invalid")


def recovery_codes_left(*, user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def recovery_codes_remove(*, user) -> None:
    RecoveryCode.objects.filter(user=user).delete()


def recovery_codes_remove_unneeded(*, user) -> bool:
    """Remove ``user``'s recovery codes when no app or passkey is left for them
    to stand in for; True when they went."""
    if (
        Passkey.objects.filter(user=user).exists()
        or TotpDevice.objects.filter(user=user).exists()
    ):
        return False
    recovery_codes_remove(user=user)
    return True
