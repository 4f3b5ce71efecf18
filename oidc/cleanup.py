"""Deleting what the OpenID provider no longer needs (run from cron through
``manage.py purge_expired``): codes past their reuse window, tokens whose
access and refresh parts both expired, sign-on sessions ended long ago."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import SsoSession

from .models import AuthorizationCode, OAuthToken

# A used code is kept a while after it expires, so a second use is still seen
# as a reuse (and revokes what the first issued) rather than as unknown.
CODE_KEPT = timedelta(hours=1)
TOKEN_KEPT = timedelta(days=1)
SESSION_KEPT = timedelta(days=30)


def oidc_purge_expired(*, now=None) -> dict[str, int]:
    """Delete expired provider state; returns how many rows of each kind."""
    now = now or timezone.now()
    codes, _ = AuthorizationCode.objects.filter(expires_at__lt=now - CODE_KEPT).delete()
    tokens, _ = OAuthToken.objects.filter(
        Q(access_expires_at__lt=now - TOKEN_KEPT)
        & (
            Q(refresh_expires_at__isnull=True)
            | Q(refresh_expires_at__lt=now - TOKEN_KEPT)
        )
    ).delete()
    sessions, _ = SsoSession.objects.filter(ended_at__lt=now - SESSION_KEPT).delete()
    return {"codes": codes, "tokens": tokens, "sessions": sessions}
