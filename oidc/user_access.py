"""A pool user's applications: which hold their live tokens, and taking an
application's access back (by the operator on the user page, by the user on
their account page). Also what stops tokens when the user's sign-in ends:
the receivers of ``accounts.signals``, connected by ``OidcConfig.ready()``.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.authenticators.events import user_audit
from identity_pools.models import PoolUser

from .models import Application, Consent, OAuthToken


def revoke_session_tokens(sender, *, session_id, now, **kwargs) -> int:
    """``sso_session_ended``: the tokens issued under the session stop (not
    offline access: its tokens are not tied to a session). Returns how many."""
    return OAuthToken.objects.filter(sso_session_id=session_id).revoke(now)


def revoke_user_tokens(sender, *, user, now, **kwargs) -> int:
    """``user_signed_out_everywhere``: every token of ``user`` stops, offline
    access too. Returns how many."""
    return OAuthToken.objects.filter(user=user).revoke(now)


def user_applications(*, user, limit: int = 50) -> list[dict]:
    """The applications holding live tokens of ``user``: application, number of
    live tokens, last issued (one query)."""
    now = timezone.now()
    live = Q(revoked_at__isnull=True) & (
        Q(access_expires_at__gt=now) | Q(refresh_expires_at__gt=now, rotated_at=None)
    )
    rows = (
        OAuthToken.objects.filter(live, user=user)
        .values("application_id", "application__name", "application__client_id")
        .annotate(tokens=Count("id"), last_issued=Max("issued_at"))
        .order_by("-last_issued")[:limit]
    )
    return [
        {
            "id": row["application_id"],
            "name": row["application__name"],
            "client_id": row["application__client_id"],
            "tokens": row["tokens"],
            "last_issued": row["last_issued"],
        }
        for row in rows
    ]


def user_application_revoke(*, user, application, actor) -> int:
    """Revoke every token of ``user`` held by ``application``; audited.
    Returns how many were live."""
    with transaction.atomic():
        revoked = OAuthToken.objects.filter(user=user, application=application).revoke()
        user_audit(
            user,
            "oauth.tokens_revoked",
            {"application": application.audit_label, "tokens": revoked},
            actor=actor,
        )
    return revoked


def account_application_remove(*, user: PoolUser, application_id: str) -> str | None:
    """The user takes back an application's access: every token of theirs it
    holds stops working (offline ones too, which outlive signing out) and their
    consent is forgotten, so it asks again next time; audited, the user as
    actor. Returns the application's name, or None when ``application_id`` is
    not an application of the user's workspace."""
    try:
        pk = uuid.UUID(application_id)
    except ValueError:
        return None
    application = Application.objects.filter(
        workspace_id=user.pool.workspace_id, pk=pk
    ).first()
    if application is None:
        return None
    with transaction.atomic():
        user_application_revoke(user=user, application=application, actor=user)
        Consent.objects.filter(user=user, application=application).delete()
    return application.name
