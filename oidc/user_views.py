"""The user page's "Sessions and applications" (a section of
``identity_pools.user_page``): the user's open single sign-on sessions and the
applications holding their live tokens, with the operator's "Revoke" (ends
one session) and "Revoke access" (revokes one application's tokens of the
user).

The posted id is the only input: a session is ended only through the user
(``sso_session_end(user=...)``), an application is resolved only through the
workspace (``application_access``), so another workspace's id changes nothing.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.session_words import browser_in_words, method_in_words
from accounts.sso import sso_session_end, user_sso_sessions
from identity_pools.mixins import PoolUserScopedMixin

from .applications import application_access
from .user_access import user_application_revoke, user_applications


def sessions_context(view) -> dict:
    """The section's lists for the user page (``identity_pools.user_page``):
    two queries, however many sessions and tokens the user has."""
    user = view.pool_user
    sessions = user_sso_sessions(user=user)
    for session in sessions:
        session.method_words = method_in_words(session.method)
        session.browser_words = browser_in_words(session.user_agent)
    return {
        "sso_sessions": sessions,
        "token_applications": user_applications(user=user),
    }


def _posted_uuid(request, name: str) -> uuid.UUID:
    """The UUID posted as ``name``; Http404 when missing or malformed (only a
    tampered form sends one)."""
    try:
        return uuid.UUID(str(request.POST.get(name, "")))
    except ValueError:
        raise Http404(f"No such {name}.") from None


class _SessionActionView(PoolUserScopedMixin, View):
    """POST from the user page, back to its "Sessions and applications"
    section; GET goes there too."""

    def back(self, text: str, *, error: bool = False):
        (messages.error if error else messages.success)(self.request, text)
        return self.get()

    def get(self, *args, **kwargs):
        page = reverse(
            "identity_pools:pool_user_detail",
            args=[self.workspace.slug, self.pool.pk, self.pool_user.pk],
        )
        return redirect(page + "#sessions-h")


class PoolUserSessionRevokeView(_SessionActionView):
    """End one open session of the user (``session`` in the POST body): that
    browser is signed out, the tokens issued under it stop working."""

    def post(self, request, *args, **kwargs):
        ended = sso_session_end(
            session_id=_posted_uuid(request, "session"),
            user=self.pool_user,
            actor=request.user,
            reason="operator",
        )
        if not ended:
            # Already ended (signed out meanwhile), or not this user's at all.
            return self.back(_("This session had already ended."), error=True)
        return self.back(_("Session ended; the user's browser is signed out."))


class PoolUserApplicationRevokeView(_SessionActionView):
    """Revoke the user's tokens held by one application of this workspace
    (``application`` in the POST body; another workspace's is 404)."""

    def post(self, request, *args, **kwargs):
        application = application_access(
            workspace=self.workspace,
            application_id=_posted_uuid(request, "application"),
        )
        revoked = user_application_revoke(
            user=self.pool_user, application=application, actor=request.user
        )
        names = {"application": application.name, "user": self.pool_user}
        if not revoked:
            return self.back(
                _("%(application)s held no live tokens of %(user)s.") % names,
                error=True,
            )
        return self.back(
            _("%(application)s can no longer use %(user)s's tokens.") % names
        )
