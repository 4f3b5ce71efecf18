"""Operator actions on a pool user's sign-in, from the console's user page: set
a password, require a new one, lift sign-in blocks, end sessions, send a reset
code, remove an authenticator. Each runs in one
transaction with its audit event. Callers pass a user resolved through the
workspace (``identity_pools.access``)."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_record
from core.catalogue import error
from identity_pools.models import PoolUser

from ..authenticators.events import sessions_end
from ..authenticators.lockout.services import lock_clear
from ..authenticators.passwords.services import (
    password_require_change,
    password_set,
    user_password_check,
)
from ..authenticators.totp.services import totp_remove
from ..flows.reset import reset_send_code
from ..models import Passkey, RememberedDevice


def pool_user_set_password(
    *, user: PoolUser, actor, password: str, must_change: bool = False
) -> PoolUser:
    """An operator sets or resets ``user``'s password (the pool's policy); with
    ``must_change`` the user must choose another at the next sign-in. Raises
    ValidationError on "password"."""
    user_password_check(user=user, password=password)
    with transaction.atomic():
        password_set(user=user, raw_password=password, must_change=must_change)
        audit_record(
            actor=actor,
            action="pool_user.password_set",
            workspace=user.pool.workspace,
            target=user,
            details={"must_change": must_change},
        )
    return user


def pool_user_sign_out_everywhere(*, user: PoolUser, actor) -> PoolUser:
    """End every hosted-page session of ``user`` (they must sign in again)."""
    with transaction.atomic():
        sessions_end(user=user)
        audit_record(
            actor=actor,
            action="pool_user.signed_out_everywhere",
            workspace=user.pool.workspace,
            target=user,
        )
    return user


def pool_user_require_password_change(*, user: PoolUser, actor) -> PoolUser:
    """The user must choose a new password at the next sign-in. Raises
    ValidationError ``password_none`` when the user has no password."""
    if not password_require_change(user=user):
        raise error("password_none")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pool_user.password_change_required",
            workspace=user.pool.workspace,
            target=user,
        )
    return user


def pool_user_unlock(*, user: PoolUser, actor) -> bool:
    """Lift the sign-in blocks of every identifier of ``user``. Returns whether
    one was blocked."""
    was_blocked = False
    with transaction.atomic():
        for value in user.identifiers.values_list("value", flat=True):
            was_blocked |= lock_clear(pool=user.pool, identifier=value)
        audit_record(
            actor=actor,
            action="pool_user.unlocked",
            workspace=user.pool.workspace,
            target=user,
            details={"was_blocked": was_blocked},
        )
    return was_blocked


def pool_user_send_password_reset(*, user: PoolUser, actor) -> None:
    """Send ``user`` a password reset code (to their first verified address), for
    the pool's reset page. Raises ValidationError ``reset_no_address`` when no
    address is verified, ``code_resend_too_soon`` or ``send_rate_limited``."""
    target = user.identifiers.filter(is_verified=True).order_by("id").first()
    if target is None or user.status != PoolUser.Status.ACTIVE:
        raise error("reset_no_address")
    target.user = user
    with transaction.atomic():
        reset_send_code(pool=user.pool, identifier=target)
        audit_record(
            actor=actor,
            action="pool_user.password_reset_sent",
            workspace=user.pool.workspace,
            target=user,
            details={"to": target.value},
        )


def pool_user_remove_authenticator(*, user: PoolUser, actor, kind: str, pk=None):
    """An operator removes ``user``'s authenticator app (``kind`` "totp") or one
    passkey (``kind`` "passkey", ``pk``) — e.g. a lost phone. Returns False when
    there was none. Browsers remembered for the second factor are forgotten."""
    with transaction.atomic():
        if kind == "totp":
            removed = totp_remove(user=user)
            details = {"kind": "totp"}
        else:
            passkey = Passkey.objects.filter(user=user, pk=pk).first()
            removed = passkey is not None
            details = {"kind": "passkey", "name": passkey.name if passkey else ""}
            if passkey is not None:
                passkey.delete()
        if removed:
            RememberedDevice.objects.filter(user=user).delete()
            audit_record(
                actor=actor,
                action="pool_user.authenticator_removed",
                workspace=user.pool.workspace,
                target=user,
                details=details,
            )
    return removed
