"""A pool user's second factors, from the account page and from the enrolment
a sign-in forces: an authenticator app (set up with a first code; removed with a
current code from it, or a recovery code when the phone is lost) and recovery
codes (made with the first second factor, shown once, made anew on request).

The key of an app being set up waits in the hosted session (never in the
database) for at most ``SETUP_SECONDS``, bound to the pool and the user.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core import ratelimit
from core.catalogue import error, wait_words
from identity_pools.models import PoolUser
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.events import user_audit
from ..authenticators.presence import only_second_factor
from ..authenticators.recovery.services import (
    recovery_code_use,
    recovery_codes_generate,
    recovery_codes_left,
    recovery_codes_remove_unneeded,
)
from ..authenticators.totp.services import (
    DIGITS,
    totp_confirm,
    totp_new_key,
    totp_remove,
    totp_verify,
)
from ..models import Passkey, RememberedDevice, TotpDevice
from .mfa import sign_in_enrolled
from .pending import session_start, session_value

SETUP_KEY = "totp_setup"
SETUP_SECONDS = 10 * 60
# Wrong proofs when removing an app, per user per 15 minutes (app codes are
# throttled by the device as well; this bounds recovery-code guesses).
REMOVE_TRIES = (10, 15 * 60)


def totp_offered(pool) -> bool:
    """Whether ``pool``'s users may set up an authenticator app (as a second
    factor, or as a way to sign in)."""
    policy = sign_in_policy_for(pool)
    return policy.totp_enabled or "totp" in policy.second_factors()


def has_enrolled_factor(user) -> bool:
    """Whether ``user`` has an authenticator app or a passkey."""
    return (
        TotpDevice.objects.filter(user=user).exists()
        or Passkey.objects.filter(user=user).exists()
    )


# --- the key of an app being set up -------------------------------------------


def totp_setup_key(session, *, pool, user) -> str:
    """The key ``user`` is setting up in this browser: the one kept in the hosted
    session, or a new one (kept for ``SETUP_SECONDS``)."""
    key = totp_setup_pending(session, pool=pool, user=user)
    if key is None:
        key = totp_new_key()
        session_start(session, key=SETUP_KEY, pool=pool, user=str(user.pk), secret=key)
    return key


def totp_setup_pending(session, *, pool, user) -> str | None:
    """The key waiting for its first code, or None (none, expired, another
    user's)."""
    state = session_value(session, key=SETUP_KEY, pool=pool, seconds=SETUP_SECONDS)
    if state is None or state.get("user") != str(user.pk):
        return None
    return state["secret"]


def totp_setup_forget(session) -> None:
    session.pop(SETUP_KEY, None)


# --- set up, remove -------------------------------------------------------------


def _first_codes(user, *, at: str) -> list[str]:
    """Ten recovery codes when ``user`` has no unused one (a first second
    factor) and the pool asks for second factors, else []. Call inside a
    transaction holding the user's row."""
    if (
        recovery_codes_left(user=user)
        or not sign_in_policy_for(user.pool).second_factors()
    ):
        return []
    codes = recovery_codes_generate(user=user)
    user_audit(user, "pool_user.recovery_codes_generated", {"at": at})
    return codes


def account_totp_add(*, user: PoolUser, key: str | None, code: str) -> list[str]:
    """Save ``user``'s authenticator app once ``code`` matches ``key``. Returns
    the recovery codes made with it (to show once; [] when the user has unused
    ones). Raises ValidationError ``totp_setup_expired`` (no key), ``totp_exists``
    (remove the old app first) or ``totp_code_invalid``."""
    if key is None:
        raise error("totp_setup_expired")
    with transaction.atomic():
        # One set-up at a time per user: two submissions cannot both save.
        PoolUser.objects.select_for_update().filter(pk=user.pk).exists()
        if TotpDevice.objects.filter(user=user).exists():
            raise error("totp_exists")
        totp_confirm(user=user, key=key, code=code)
        user_audit(user, "pool_user.totp_added", {})
        return _first_codes(user, at="totp_added")


def sign_in_enrol_totp(
    session, *, pool, user: PoolUser, key: str | None, code: str
) -> list[str]:
    """The forced enrolment of a sign-in: ``account_totp_add``, then the pending
    sign-in may finish (``sign_in_enrolled``). Same errors."""
    codes = account_totp_add(user=user, key=key, code=code)
    sign_in_enrolled(session, pool=pool, method="totp")
    return codes


def recovery_codes_first(*, user: PoolUser) -> list[str]:
    """Recovery codes for a user who has just set up a passkey and has none
    unused: ten new ones to show once, else []."""
    with transaction.atomic():
        PoolUser.objects.select_for_update().filter(pk=user.pk).exists()
        if not has_enrolled_factor(user):
            return []
        return _first_codes(user, at="enrolled")


def _is_app_code(code: str) -> bool:
    text = "".join(code.split())
    return len(text) == DIGITS and text.isascii() and text.isdigit()


def account_totp_remove(*, user: PoolUser, code: str) -> str:
    """Remove ``user``'s authenticator app, proven with a current code from it or
    one of the user's recovery codes (a stolen session alone cannot remove it).
    The recovery codes go too when no passkey is left. Returns the proof used
    ("totp" or "recovery_code"). Raises ValidationError ``totp_last_factor``, or
    on "code": ``totp_code_invalid``, ``totp_throttled``,
    ``recovery_code_invalid``, ``hosted_rate_limited``."""
    limit = ratelimit.Limit(f"hosted:totp_remove:{user.pk}", *REMOVE_TRIES)
    if ratelimit.is_limited(limit):
        wait = wait_words(ratelimit.retry_after(limit))
        raise ValidationError({"code": error("hosted_rate_limited", wait=wait)})
    if only_second_factor(user, "totp"):
        raise error("totp_last_factor")
    proof = "totp" if _is_app_code(code) else "recovery_code"
    try:
        if proof == "totp":
            totp_verify(user=user, code=code)
        else:
            recovery_code_use(user=user, code=code)
    except ValidationError as exc:
        if exc.code != "totp_throttled":
            ratelimit.hit(limit)
            with transaction.atomic():
                user_audit(user, "pool_user.totp_remove_failed", {"proof": proof})
        raise ValidationError({"code": exc.error_list}) from None
    with transaction.atomic():
        totp_remove(user=user)
        RememberedDevice.objects.filter(user=user).delete()
        dropped = recovery_codes_remove_unneeded(user=user)
        user_audit(
            user,
            "pool_user.totp_removed",
            {"proof": proof, "recovery_codes_removed": dropped},
        )
    return proof


def account_passkey_remove(*, user: PoolUser, passkey: Passkey) -> None:
    """Remove ``user``'s ``passkey`` (it no longer signs anyone in); their
    recovery codes go too when no passkey or app is left, and remembered
    browsers are forgotten. Raises ValidationError ``passkey_unknown`` (not
    theirs) or ``passkey_last_factor`` (the pool requires a second factor and
    this is the user's only one)."""
    if passkey.user_id != user.pk:
        raise error("passkey_unknown")
    with transaction.atomic():
        PoolUser.objects.select_for_update().filter(pk=user.pk).exists()
        if only_second_factor(user, "passkey"):
            raise error("passkey_last_factor")
        deleted, _ = Passkey.objects.filter(pk=passkey.pk, user=user).delete()
        RememberedDevice.objects.filter(user=user).delete()
        if not deleted:
            return
        dropped = recovery_codes_remove_unneeded(user=user)
        user_audit(
            user,
            "pool_user.passkey_removed",
            {
                "passkey": str(passkey.pk),
                "name": passkey.name,
                "recovery_codes_removed": dropped,
            },
        )


def account_recovery_codes_regenerate(*, user: PoolUser) -> list[str]:
    """Ten new recovery codes for ``user`` (the old ones stop working), to show
    once. Raises ValidationError ``recovery_codes_unneeded`` (no app, no
    passkey)."""
    with transaction.atomic():
        PoolUser.objects.select_for_update().filter(pk=user.pk).exists()
        if not has_enrolled_factor(user):
            raise error("recovery_codes_unneeded")
        codes = recovery_codes_generate(user=user)
        user_audit(user, "pool_user.recovery_codes_generated", {"at": "account"})
    return codes
