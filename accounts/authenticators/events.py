"""What every change to a pool user's sign-in writes, tells or ends: the audit
event about the user, the notice to their address, and the end of their
sessions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.delivery import send_templated

from ..models import RememberedDevice, SsoSession
from ..signals import user_signed_out_everywhere


def user_audit(user, action: str, details: dict | None = None, *, actor=None):
    """An audit event about pool ``user`` (loaded with its pool and workspace),
    by ``actor`` (default: the user). Call inside the change's transaction."""
    return audit_record(
        actor=actor if actor is not None else user,
        action=action,
        workspace=user.pool.workspace,
        target=user,
        details=details or {},
    )


def user_notice(user, template: str, *, to=None, **context) -> None:
    """Tell ``user`` of a change: ``template`` (with ``pool`` and
    ``context``) to the address ``to``, by default their first verified one
    as it is now (none: nothing is sent), once the caller's transaction
    commits."""
    if to is None:
        to = user.identifiers.filter(is_verified=True).order_by("id").first()
        if to is None:
            return
    pool = user.pool
    transaction.on_commit(
        lambda: send_templated(
            channel=to.type,
            to=to.value,
            template=template,
            context={"pool": pool, **context},
        )
    )


def sessions_end(*, user) -> None:
    """Sign ``user`` out of every hosted session (their single sign-on sessions
    end, and ``user_signed_out_everywhere`` stops what applications were
    issued: call inside the change's transaction), and forget the browsers
    that were excused from the second factor: they must pass it again."""
    user.sessions_ended_at = timezone.now()
    type(user).objects.filter(pk=user.pk).update(
        sessions_ended_at=user.sessions_ended_at, updated_at=user.sessions_ended_at
    )
    RememberedDevice.objects.filter(user=user).delete()
    # Single sign-on ends too, and the applications' tokens stop working.
    now = user.sessions_ended_at
    SsoSession.objects.filter(user=user, ended_at__isnull=True).update(ended_at=now)
    user_signed_out_everywhere.send(sender=type(user), user=user, now=now)
