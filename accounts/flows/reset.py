"""Password reset ("Forgot password?"): a code to a verified address, then a new
password under the pool's policy. The answer is the same for unknown
identifiers; a successful reset ends the user's other sessions, lifts sign-in
blocks (a blocked account can always reset) and sends a notice."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from core.catalogue import error
from core.delivery.limits import send_quota_consume
from identity_pools.models import Identifier, PoolUser
from identity_pools.policies.codes import code_rules_for

from ..authenticators.codes.services import code_send, code_verify
from ..authenticators.events import sessions_end, user_notice
from ..authenticators.lockout.services import lock_clear
from ..authenticators.passwords.services import new_password_check, password_set
from ..models import Code
from .pending import SessionPending
from .sign_in import sign_in_identify

SESSION_KEY = "reset"
PENDING_FOR = 30 * 60


@dataclass(frozen=True)
class Pending(SessionPending):
    """A reset waiting for its code: which pool, which address."""

    session_key = SESSION_KEY
    lifetime = PENDING_FOR

    pool: str
    identifier: str
    sent_at: float


def _resettable(pool, identifier: str):
    """The verified identifier (with its active user) a reset code may go to."""
    return (
        Identifier.objects.filter(
            pool=pool,
            value=identifier,
            is_verified=True,
            user__status=PoolUser.Status.ACTIVE,
        )
        .select_related("user")
        .first()
    )


def reset_send_code(*, pool, identifier, public: bool = False) -> None:
    """Issue a reset code to ``identifier`` (a verified address of an active user)
    and send it after commit; the earlier code stops working. Raises
    ValidationError ``code_resend_too_soon`` or ``send_rate_limited``.

    ``public`` ("Forgot password?"): a send refused as too soon or by a
    recipient's limit is silent (the earlier code still works), since an
    unknown address is never refused so; the workspace's limit still raises."""
    try:
        with transaction.atomic():
            if send_quota_consume(
                workspace=pool.workspace, recipient=identifier.value, public=public
            ):
                code_send(
                    user=identifier.user,
                    purpose=Code.Purpose.PASSWORD_RESET,
                    identifier=identifier,
                    rules=code_rules_for(pool, Code.Purpose.PASSWORD_RESET),
                    template="reset_code",
                    context={"pool": pool},
                )
    except ValidationError as exc:
        if not (public and exc.code == "code_resend_too_soon"):
            raise


def reset_start(*, pool, identifier: str) -> Pending:
    """ "Forgot password?": a code to the address when it is a verified address of
    an active user; the same answer otherwise (nothing is sent). A send refused
    as too soon, or by a recipient's limit, is as silent. Raises ValidationError
    on "identifier" (not an address) and ``send_rate_limited`` (the workspace's
    limit, counted for unknown addresses too) alike for every address."""
    value = sign_in_identify(raw=identifier)
    target = _resettable(pool, value)
    if target is not None:
        reset_send_code(pool=pool, identifier=target, public=True)
    else:
        with transaction.atomic():
            send_quota_consume(workspace=pool.workspace, recipient=value, public=True)
    return Pending(str(pool.pk), value, time.time())


def reset_finish(*, pool, pending: Pending, code: str, password: str) -> PoolUser:
    """Check ``code`` and set ``password`` (the pool's policy and history). Raises
    ValidationError ``code_invalid`` (also for an unknown address) or on
    "password" (the code is not used up then)."""
    target = _resettable(pool, pending.identifier)
    user = target.user if target else None
    new_password_check(
        pool=pool,
        password=password,
        identifiers=[pending.identifier],
        user_data=user.user_data if user else {},
        user=user,
        field="password",
    )
    if user is None:
        raise error("code_invalid")
    user.pool = pool
    code_verify(user=user, purpose=Code.Purpose.PASSWORD_RESET, secret=code)
    with transaction.atomic():
        password_set(user=user, raw_password=password)
        sessions_end(user=user)
        for value in user.identifiers.values_list("value", flat=True):
            lock_clear(pool=pool, identifier=value)
        audit_record(
            actor=user,
            action="pool_user.password_reset",
            workspace=pool.workspace,
            target=user,
            details={"identifier": pending.identifier},
        )
        user_notice(user, "reset_done", to=target)
    return user
