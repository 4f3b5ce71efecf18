"""Applications as the provider's clients: what each may be granted
(scopes), how it authenticates at the token endpoints (client secret, or none
with PKCE), and where it may be sent back to (its redirect URIs, and the
console's "Try it" callback: ``oidc.try_it``)."""

from __future__ import annotations

import base64
from urllib.parse import unquote

from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError
from django.conf import settings
from django.urls import reverse

from .applications import application_check_secret
from .models import Application

# What applications may be granted (an application's own list narrows it:
# Application.scopes); other scopes asked for are ignored (OpenID Connect Core
# 3.1.2.1), never an error.
SCOPES = ("openid", "profile", "email", "phone", "address", "groups", "offline_access")
# Refresh tokens that outlive the single sign-on session (OpenID Connect Core
# §11): granted to applications allowed the refresh_token grant, with the
# user's consent where the application asks for it.
OFFLINE_ACCESS = "offline_access"
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


def try_it_redirect_uri(application) -> str:
    """The console's "Try it" callback: a redirect URI of every application
    of the workspace (``oidc.try_it``)."""
    return settings.PUBLIC_URL + reverse(
        "oidc_console:application_try_callback",
        args=[application.workspace.slug, application.pk],
    )


def basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    """(client id, secret) of an ``Authorization: Basic`` header (each
    form-urlencoded first, RFC 6749 §2.3.1); (None, None) for another scheme
    or a header that does not decode (Authlib's parser raises on those)."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except ValueError:  # not base64 (binascii.Error), or not UTF-8
        return None, None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None, None
    return unquote(client_id), unquote(secret)


def requested_client_id(request) -> str | None:
    """The client id a token request (a Django request) authenticates as:
    its Basic header's with a secret, else its body's, as Authlib's client
    authentication looks them up first; None when it names none that could
    be a client id."""
    client_id, secret = basic_credentials(request.headers.get("Authorization"))
    if not (client_id and secret):
        client_id = request.POST.get("client_id")
    if not client_id or len(client_id) > 64:
        return None
    return client_id


def authenticate_basic(query_client, request):
    """``client_secret_basic``: Authlib's, with ``basic_credentials``."""
    client_id, secret = basic_credentials(request.headers.get("Authorization"))
    if not client_id or not secret:
        return None
    client = query_client(client_id)
    if client is None:
        raise InvalidClientError(
            status_code=401, description="The client does not exist on this server."
        )
    return client if client.check_client_secret(secret) else None


class Client(ClientMixin):
    """An application as Authlib's client."""

    def __init__(self, application: Application):
        self.application = application
        self.client_id = application.client_id
        self.client_metadata = {
            "post_logout_redirect_uris": application.post_logout_redirect_uris
        }

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None  # OpenID Connect: the request always names it

    def get_allowed_scope(self, scope):
        """What of ``scope`` is granted: the application's scopes, and
        ``offline_access`` when it may refresh; each once, in request order."""
        if not scope:
            return ""
        allowed = set(self.application.scopes)
        if Application.GrantType.REFRESH_TOKEN in self.application.grant_types:
            allowed.add(OFFLINE_ACCESS)
        return " ".join(dict.fromkeys(s for s in scope.split() if s in allowed))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.application.redirect_uris or (
            redirect_uri == try_it_redirect_uri(self.application)
        )

    def check_client_secret(self, client_secret):
        return application_check_secret(
            application=self.application, secret=client_secret
        )

    def check_endpoint_auth_method(self, method, endpoint):
        if self.application.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return (
            response_type == "code"
            and "authorization_code" in self.application.grant_types
        )

    def check_grant_type(self, grant_type):
        return grant_type in self.application.grant_types
