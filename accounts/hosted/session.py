"""The hosted pages' own session, apart from the console's.

Django's session (cookie ``sessionid``) belongs to operators: the console's sign-in
and CSRF rely on it. End users get a second session store of the same engine under
another cookie (``HOSTED_SESSION_COOKIE_NAME``) whose path is ``/w/``, so that an
end user's state never reaches the console and an operator's sign-in never reaches
a hosted page. ``HostedSessionMiddleware`` puts it on ``request.hosted_session``
for hosted paths only.

It also keeps every hosted answer out of caches (``no_store``): the pages show
who is signed in, their addresses and the addresses of their sessions, a typed
identifier, secrets shown once.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import http_date

from core.request import client_ip

from ..flows.sign_in_state import authorize_origin

HOSTED_PREFIX = "/w/"


def _rotate_generic(self, writes=None) -> None:
    """A session engine without ``rotate`` (``accounts.sessions`` has one):
    Django's own key change, now rather than with ``writes``."""
    self.cycle_key()


def allow_redirect_to_application(session, response) -> None:
    """While an application's authorization request waits in this browser, its
    redirect URI's origin joins the page's CSP ``form-action``: browsers apply
    form-action to every redirect after a form is sent, and the sign-in's last
    form ends at the application."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    origin = authorize_origin(session)
    if not origin or hasattr(response, "_csp_config"):
        return
    config = dict(settings.SECURE_CSP)
    config["form-action"] = [*config.get("form-action", []), origin]
    response._csp_config = config


def no_store(response) -> None:
    """A hosted answer is stored by no browser or proxy (``no-store``,
    ``private``): every page is this browser's own (a signed-in user's name,
    addresses and sessions; a sign-in's typed identifier; an authenticator
    app's key or recovery codes, shown once). Answers that say how to cache
    them keep their own word (the OpenID provider's discovery document and
    keys are public and cached)."""
    if not response.has_header("Cache-Control"):
        add_never_cache_headers(response)


class HostedSessionMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        base = import_module(settings.SESSION_ENGINE).SessionStore
        methods = {} if hasattr(base, "rotate") else {"rotate": _rotate_generic}
        # Named like the base: the session data's signing salt is the class name.
        self.store = type("SessionStore", (base,), methods)

    def __call__(self, request):
        if not request.path.startswith(HOSTED_PREFIX):
            return self.get_response(request)
        request.hosted_session = self.store(
            request.COOKIES.get(settings.HOSTED_SESSION_COOKIE_NAME)
        )
        # Who signs in, for the single sign-on session's record.
        request.hosted_session.client_ip = client_ip(request)
        request.hosted_session.user_agent = request.headers.get("User-Agent", "")
        response = self.get_response(request)
        no_store(response)
        session = request.hosted_session
        allow_redirect_to_application(session, response)
        if session.modified and not session.is_empty():
            try:
                session.save()
            except UpdateError:
                # Another request of this browser ended the session meanwhile
                # (signed in or out in another tab, or while a passkey request
                # was in flight): this request's changes go with it; nothing is
                # brought back to life.
                return response
            _set_cookie(response, session)
        elif session.modified and session.session_key:
            session.delete()
            response.delete_cookie(
                settings.HOSTED_SESSION_COOKIE_NAME, path=HOSTED_PREFIX
            )
        elif getattr(session, "rotated", False) and session.session_key:
            _set_cookie(response, session)  # stored by ``rotate`` already
        return response


def _set_cookie(response, session) -> None:
    response.set_cookie(
        settings.HOSTED_SESSION_COOKIE_NAME,
        session.session_key,
        max_age=settings.HOSTED_SESSION_AGE,
        expires=http_date(session.get_expiry_date().timestamp()),
        path=HOSTED_PREFIX,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    patch_vary_headers(response, ("Cookie",))
