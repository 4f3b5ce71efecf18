"""The console's "Try it": a real authorization-code + PKCE sign-in against the
workspace's provider, for an operator to see what an application receives.

The operator's browser goes to the authorization endpoint with the console's
own callback as redirect URI (valid for every application of the workspace,
and useless to anyone else: the callback needs the operator's session with the
state and PKCE verifier it was started with). The code is exchanged in-process
(a confidential application's secret is not known to the console: the
exchange authenticates as "console_try_it", a method no HTTP request can
use), userinfo is called with the access token, and the tokens are then
revoked: a try leaves nothing usable behind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from django.test import RequestFactory
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from core.tokens import token_hash

from .clients import try_it_redirect_uri
from .models import OAuthToken
from .server import Provider
from .signing_keys import workspace_jwks

TRY_KEY = "try_it"
TRY_SECONDS = 15 * 60


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
    factory = RequestFactory()
    token_request = factory.post(
        reverse("oidc:token", args=[workspace.slug]),
        {
            "grant_type": "authorization_code",
            "client_id": application.client_id,
            "code": str(params.get("code", "")),
            "redirect_uri": try_it_redirect_uri(application),
            "code_verifier": pending["verifier"],
        },
    )
    token_request.console_try_it = application.pk
    response = Provider(workspace, body_only=True).create_token_response(token_request)
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
    from .views import UserInfoView

    info_request = factory.get(
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
