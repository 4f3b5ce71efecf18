"""End users' single sign-on sessions: started at sign-in, ended at sign-out,
by RP-initiated logout, by "sign out everywhere" or by the operator. Each end
sends ``accounts.signals.sso_session_ended`` in its transaction (the OpenID
provider revokes the tokens issued under the session).

Also the authentication context of a sign-in for ID tokens: ``amr`` values
(RFC 8176) and the ``acr`` level from the methods used.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .authenticators.events import user_audit
from .authenticators.passkeys.services import PASSKEY, PASSKEY_METHODS, SYNCED_PASSKEY
from .models import SsoSession
from .signals import sso_session_ended

# RFC 8176 method references for each sign-in method.
AMR = {
    "password": "pwd",
    "email_code": "otp",
    "sms_code": "sms",
    "totp": "otp",
    "recovery": "otp",
    PASSKEY: "hwk",  # the key stays on one device
    SYNCED_PASSKEY: "swk",  # synced between devices by its provider
}
# A passkey as the first factor needs user verification (a PIN or biometric on
# the device): two factors in one, as the pool counts it (no second factor
# follows it) and as NIST SP 800-63B counts a multi-factor cryptographic
# authenticator.
MULTI_FACTOR_ALONE = PASSKEY_METHODS
ACR_SINGLE = "1"
ACR_MFA = "2"
ACR_VALUES = (ACR_SINGLE, ACR_MFA)
USER_AGENT_CHARS = 300


def authentication_context(method: str) -> tuple[list[str], str]:
    """``amr`` and ``acr`` of a sign-in made with ``method`` (the flows' method
    string: ``password``, ``password+totp``, ``passkey``, …): ``mfa`` and
    level 2 after two factors, or after a passkey alone."""
    parts = [p for p in method.split("+") if p]
    amr: list[str] = []
    for part in parts:
        value = AMR.get(part)
        if value and value not in amr:
            amr.append(value)
    mfa = len(parts) > 1 or (len(parts) == 1 and parts[0] in MULTI_FACTOR_ALONE)
    if mfa:
        amr.append("mfa")
    return amr, (ACR_MFA if mfa else ACR_SINGLE)


def sso_session_start(
    *, user, method: str, ip=None, user_agent: str = "", renew=None, writes=None
) -> SsoSession:
    """A single sign-on session for ``user`` (signed in with ``method``). When
    this browser had one (``renew``: its id): the same user signing in again
    (``prompt=login``, a new password) renews it, keeping the tokens issued
    under it; another user's ends (and their tokens stop). With ``writes``
    (``core.fastpath.writes.Writes``) a new session's row joins them instead of being
    written now (renewing writes now: run both in one transaction)."""
    now = timezone.now()
    if renew:
        kept = SsoSession.objects.filter(
            pk=renew, user=user, ended_at__isnull=True
        ).update(auth_time=now, method=method[:60])
        if kept:
            return SsoSession(pk=renew, user=user, method=method, auth_time=now)
        sso_session_end(session_id=renew, reason="replaced")
    session = SsoSession(
        user=user,
        method=method[:60],
        auth_time=now,
        ip=ip,
        user_agent=(user_agent or "")[:USER_AGENT_CHARS],
    )
    if writes is None:
        session.save(force_insert=True)
    else:
        writes.insert(session)
    return session


def sso_session_end(*, session_id, user=None, actor=None, reason: str) -> bool:
    """End the session ``session_id`` (of ``user`` when given): what was
    issued under it stops (``sso_session_ended``'s receivers, in the same
    transaction). Audited when ``actor`` is given, with how many tokens
    stopped. Returns whether a session was open."""
    now = timezone.now()
    sessions = SsoSession.objects.filter(pk=session_id, ended_at__isnull=True)
    if user is not None:
        sessions = sessions.filter(user=user)
    with transaction.atomic():
        ended = sessions.update(ended_at=now)
        if ended:
            revoked = sum(
                stopped or 0
                for _receiver, stopped in sso_session_ended.send(
                    sender=SsoSession, session_id=session_id, now=now
                )
            )
            if actor is not None and user is not None:
                user_audit(
                    user,
                    "pool_user.session_ended",
                    {"session": str(session_id), "reason": reason, "tokens": revoked},
                    actor=actor,
                )
    return bool(ended)


def user_sso_sessions(*, user, limit: int = 50) -> list[SsoSession]:
    """``user``'s open sessions, newest first (one query)."""
    return list(
        SsoSession.objects.filter(user=user, ended_at__isnull=True).order_by(
            "-auth_time"
        )[:limit]
    )
