"""The hosted pages' own session, apart from the console's.

Django's session (cookie ``sessionid``) belongs to operators: the console's sign-in
and CSRF rely on it. End users get a second session store of the same engine under
another cookie (``HOSTED_SESSION_COOKIE_NAME``) whose path is ``/w/``, so that an
end user's state never reaches the console and an operator's sign-in never reaches
a hosted page. ``HostedSessionMiddleware`` puts it on ``request.hosted_session``
for hosted paths only.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

HOSTED_PREFIX = "/w/"


class HostedSessionMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        if not request.path.startswith(HOSTED_PREFIX):
            return self.get_response(request)
        request.hosted_session = self.store(
            request.COOKIES.get(settings.HOSTED_SESSION_COOKIE_NAME)
        )
        response = self.get_response(request)
        session = request.hosted_session
        if session.modified and not session.is_empty():
            session.save()
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
        elif session.modified and session.session_key:
            session.delete()
            response.delete_cookie(
                settings.HOSTED_SESSION_COOKIE_NAME, path=HOSTED_PREFIX
            )
        return response
