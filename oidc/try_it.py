"""The console's "Try it": a real authorization-code + PKCE sign-in against the
workspace's provider, for an operator to see what an application receives.

The operator's browser goes to the authorization endpoint with the console's
own callback as redirect URI (valid for every application of the workspace,
and useless to anyone else: the callback needs the operator's session with the
state and PKCE verifier it was started with). The code is exchanged
in-process by the try's own provider (``TryItProvider``: the production
token grants, with one client authentication instead of the applications'
ones: the operator's session vouches for the application, whose secret the
console does not know; the token endpoint knows nothing of it). Userinfo is
called with the access token, and the tokens are then revoked: a try leaves
nothing usable behind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from core.tokens import token_hash

from .clients import Client, try_it_redirect_uri
from .models import OAuthToken
from .server import AuthorizationCodeGrant, OpenIDCode, PkceS256, Provider
from .signing_keys import workspace_jwks
from .views import UserInfoView

TRY_KEY = "try_it"
TRY_SECONDS = 15 * 60
# How the try's exchange authenticates: its provider's only method.
CONSOLE_METHOD = "console_try_it"


class ConsoleClient(Client):
    def check_endpoint_auth_method(self, method, endpoint):
        return method == CONSOLE_METHOD and endpoint == "token"


class ConsoleCodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [CONSOLE_METHOD]


class TryItProvider(Provider):
    """The provider of a try of ``application``: the authorization-code grant
    (PKCE, OpenID Connect) as applications get it, its client authenticated
    by the console (``application`` only, resolved through the operator's
    workspace), and no other grant."""

    client_class = ConsoleClient

    def __init__(self, workspace, *, application):
        self.application = application
        super().__init__(workspace, body_only=True)
        self.register_client_auth_method(CONSOLE_METHOD, self.authenticate_console)

    def register_grants(self) -> None:
        self.register_grant(ConsoleCodeGrant, [PkceS256(required=True), OpenIDCode()])

    def authenticate_console(self, query_client, request):
        client = query_client(request.payload.client_id)
        if client is not None and client.application.pk == self.application.pk:
            return client
        return None


class TryTokenRequest(OAuth2Request):
    """The try's code exchange as Authlib reads a token request, made in
    Python from the try's own values (never from an HTTP request)."""

    def __init__(self, workspace, data: dict):
        uri = settings.PUBLIC_URL + reverse("oidc:token", args=[workspace.slug])
        super().__init__("POST", uri)
        self.payload = BasicOAuth2Payload(data)

    @property
    def args(self):
        return {}

    @property
    def form(self):
        return self.payload.data


def try_it_start(session, *, application) -> str:
    """Remember a new try in the operator's ``session``; returns the
    authorization URL to send the browser to."""
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(16)
    nonce = secrets.token_urlsafe(16)
    session[TRY_KEY] = {
        "application": str(application.pk),
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "at": time.time(),
    }
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": try_it_redirect_uri(application),
        "scope": " ".join(application.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "prompt": "login",
    }
    path = reverse("oidc:authorize", args=[application.workspace.slug])
    return f"{path}?{urlencode(query)}"


def _decoded(id_token: str, workspace) -> tuple[dict, dict]:
    """The ID token's header and claims, verified against the workspace's JWKS."""
    keys = KeySet.import_key_set(workspace_jwks(workspace=workspace))
    token = jwt.decode(id_token, keys)
    return dict(token.header), dict(token.claims)


def try_it_finish(session, *, application, params) -> dict:
    """The outcome of a try, from the callback's query ``params``: an error
    (``{"error": ...}``) or what the application received (token response
    fields, the ID token's header and claims, userinfo)."""
    pending = session.pop(TRY_KEY, None)
    if (
        not pending
        or pending.get("application") != str(application.pk)
        or time.time() - pending.get("at", 0) > TRY_SECONDS
        or not secrets.compare_digest(
            str(params.get("state", "")), str(pending.get("state"))
        )
    ):
        return {"error": "This try has expired or was started elsewhere: try again."}
    if params.get("error"):
        return {
            "error": f"{params.get('error')}: {params.get('error_description', '')}"
        }
    workspace = application.workspace
    token_request = TryTokenRequest(
        workspace,
        {
            "grant_type": "authorization_code",
            "client_id": application.client_id,
            "code": str(params.get("code", "")),
            "redirect_uri": try_it_redirect_uri(application),
            "code_verifier": pending["verifier"],
        },
    )
    provider = TryItProvider(workspace, application=application)
    response = provider.create_token_response(token_request)
    body = json.loads(response.content)
    if response.status_code != 200:
        return {"error": f"{body.get('error')}: {body.get('error_description', '')}"}
    result = {
        "scope": body.get("scope", ""),
        "expires_in": body.get("expires_in"),
        "refresh_token": bool(body.get("refresh_token")),
    }
    if body.get("id_token"):
        header, claims = _decoded(body["id_token"], workspace)
        result["id_token_header"] = header
        result["id_token_claims"] = claims
        result["nonce_ok"] = claims.get("nonce") == pending["nonce"]
    info_request = RequestFactory().get(
        reverse("oidc:userinfo", args=[workspace.slug]),
        HTTP_AUTHORIZATION=f"Bearer {body['access_token']}",
    )
    info = UserInfoView.as_view()(info_request, workspace=workspace.slug)
    result["userinfo"] = json.loads(info.content)
    result["userinfo_status"] = info.status_code
    # Leave nothing usable behind.
    row = OAuthToken.objects.filter(
        access_token_hash=token_hash(body["access_token"])
    ).first()
    if row is not None:
        OAuthToken.objects.filter(family=row.family).revoke()
    return result
