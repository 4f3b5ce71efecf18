"""The relying party's pages: one protected page, the pages the sign-in and
the sign-out end on, and the provider's logout URL for mozilla-django-oidc's
logout view (``OIDC_OP_LOGOUT_URL_METHOD``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString


def _page(title: str, body: SafeString | str) -> HttpResponse:
    # An empty icon: no request for /favicon.ico (a 404 is a console error).
    return HttpResponse(
        format_html(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<title>{}</title><link rel="icon" href="data:,"></head>'
            "<body>{}</body></html>",
            title,
            body,
        )
    )


def home(request: HttpRequest) -> HttpResponse:
    return _page("Relying party", format_html("<h1>{}</h1>", "Relying party"))


@login_required
def hello(request: HttpRequest) -> HttpResponse:
    return _page(
        "Hello",
        format_html(
            "<h1>Hello {}</h1>"
            '<form method="post" action="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            "<button>Sign out</button></form>",
            request.user.email,
            reverse("oidc_logout"),
            get_token(request),
        ),
    )


def failed(request: HttpRequest) -> HttpResponse:
    return _page("Sign-in failed", format_html("<h1>{}</h1>", "Sign-in failed"))


def signed_out(request: HttpRequest) -> HttpResponse:
    return _page("Signed out", format_html("<h1>{}</h1>", "You are signed out"))


def provider_logout_url(request: HttpRequest) -> str:
    """The provider's end_session URL (RP-initiated logout) for the signed-in
    user: the ID token mozilla-django-oidc stored as ``id_token_hint`` and the
    registered post-logout redirect URI. Called before the local logout, while
    the session still holds the ID token."""
    query = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("signed_out")),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        query["id_token_hint"] = id_token
    return settings.OIDC_OP_END_SESSION_ENDPOINT + "?" + urlencode(query)
