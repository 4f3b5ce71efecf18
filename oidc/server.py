"""The workspace's OAuth 2.0 / OpenID Connect authorization server, built on
Authlib's grants and endpoints (the protocol's rules are Authlib's; what is
ours is where things are stored and who may do what).

One ``Provider`` per request, bound to the workspace of the URL: clients,
codes, tokens and users are looked up in that workspace only, so nothing ever
crosses workspaces. Grants: authorization code (PKCE S256, required for public
clients) with OpenID Connect, refresh token (rotation, reuse detection),
client credentials. Endpoints: revocation (RFC 7009), introspection (RFC 7662),
RP-initiated logout. Codes and tokens are random and stored as SHA-256 hashes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.integrations.django_oauth2.requests import (
    DjangoOAuth2Payload,
    DjangoOAuth2Request,
)
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, audit_row
from core.tokens import token_hash
from identity_pools.models import PoolUser

from . import issuance
from .claims import user_claims
from .clients import (
    AUTH_METHODS,
    OFFLINE_ACCESS,
    SCOPES,
    Client,
    authenticate_basic,
)
from .issuance import Claim
from .models import Application, AuthorizationCode, OAuthToken
from .signing_keys import signing_key_for_signing, signing_key_private

CODE_SECONDS = 60
ID_TOKEN_SECONDS = 3600
ACCESS_PREFIX = "ipat_"
REFRESH_PREFIX = "iprt_"


def issuer(workspace) -> str:
    """The workspace's issuer: from PUBLIC_URL, never from the request."""
    return f"{settings.PUBLIC_URL}/w/{workspace.slug}"


def _audit(workspace, action: str, *, actor, target=None, **details):
    audit_record(
        actor=actor,
        action=action,
        workspace=workspace,
        target=target,
        details=details,
    )


def revoke_family(family, *, workspace, application, reason: str) -> int:
    """Revoke every token of ``family`` (a code's or a refresh chain's), in
    its own transaction: it stands even though the request that found the
    reuse fails. Audited."""
    with transaction.atomic():
        revoked = OAuthToken.objects.filter(family=family).revoke()
        _audit(
            workspace,
            "oauth.family_revoked",
            actor=application,
            target=application,
            reason=reason,
            revoked=revoked,
        )
    return revoked


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    def save_authorization_code(self, code, request):
        context = self.server.sign_in_context
        return AuthorizationCode.objects.create(
            application=request.client.application,
            user=request.user,
            sso_session_id=context.get("sso"),
            code_hash=token_hash(code),
            redirect_uri=request.payload.redirect_uri,
            scope=request.client.get_allowed_scope(request.payload.scope),
            nonce=request.payload.data.get("nonce") or "",
            code_challenge=request.payload.data.get("code_challenge") or "",
            code_challenge_method=request.payload.data.get("code_challenge_method")
            or "",
            auth_time=context["auth_time"],
            amr=context["amr"],
            acr=context["acr"],
            expires_at=timezone.now() + timedelta(seconds=CODE_SECONDS),
        )

    def query_authorization_code(self, code, client):
        found = issuance.CODE_READ.first(
            "code", code_hash=token_hash(code), application=client.application.pk
        )
        if found is None:
            return None
        # The one guard of a code's single use: claimed (used_at, only while
        # empty) with the token in one statement, or by the provider when the
        # request fails from here on. A code used before, or by a concurrent
        # exchange that won, cannot be claimed: nothing is issued and what
        # the code's first use issued is revoked (Provider.create_token_response).
        self.server.claim = Claim(
            AuthorizationCode,
            found.pk,
            "used_at",
            found.family,
            "code_reused",
            "Invalid 'code' in request.",
        )
        if found.expires_at <= timezone.now():
            return None
        found.user.preloaded_identifiers = issuance.preloaded_identifiers(found)
        self.server.sign_in_context = found.sign_in_context()
        return found

    def delete_authorization_code(self, authorization_code):
        pass  # used codes are kept (marked) to detect a second use

    def authenticate_user(self, authorization_code):
        user = authorization_code.user
        if user.status != PoolUser.Status.ACTIVE or not authorization_code.pool_served:
            return None
        return user


class PkceS256(CodeChallenge):
    """PKCE with S256 only; required of public clients at the authorization
    endpoint already (not only at the token endpoint)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if grant.request.client.application.is_public and not data.get(
            "code_challenge"
        ):
            raise InvalidRequestError(
                "This application must use PKCE: send 'code_challenge' and "
                "'code_challenge_method=S256'.",
                redirect_uri=redirect_uri,
            )
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "Send 'code_challenge_method=S256' ('plain' is not accepted).",
                redirect_uri=redirect_uri,
            )
        return super().validate_code_challenge(grant, redirect_uri)


class IdToken:
    """What ID tokens share across grants: key, issuer, audience, claims."""

    def resolve_client_private_key(self, client):
        return signing_key_private(self.server.signing_key(client))

    def get_client_algorithm(self, client):
        return client.application.id_token_alg

    def get_encode_header(self, client):
        key = self.server.signing_key(client)
        return {"alg": key.alg, "kid": key.kid, "typ": "JWT"}

    def get_client_claims(self, client):
        now = int(timezone.now().timestamp())
        return {
            "iss": self.server.issuer,
            "aud": client.get_client_id(),
            "azp": client.get_client_id(),
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
        }

    def generate_user_info(self, user, scope):
        claims = user_claims(
            application=self.server.client_application,
            user=user,
            scopes=(scope or "").split(),
            identifiers=getattr(user, "preloaded_identifiers", None),
        )
        sso = self.server.sign_in_context.get("sso")
        if sso:
            claims["sid"] = str(sso)
        return claims


class OpenIDCode(IdToken, oidc_grants.OpenIDCode):
    def exists_nonce(self, nonce, request):
        # The nonce is the application's check (it compares the ID token's
        # with the one it sent); a client that sends the same one each time
        # is not refused as a replay.
        return False

    def __call__(self, grant):
        self.server = grant.server
        super().__call__(grant)


class OpenIDRefresh(IdToken, oidc_grants.OpenIDToken):
    """A new ID token with each refresh (same auth_time, amr and acr)."""

    def __call__(self, grant):
        self.server = grant.server
        super().__call__(grant)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    def authenticate_refresh_token(self, refresh_token):
        application = self.request.client.application
        if not refresh_token.startswith(REFRESH_PREFIX) or len(refresh_token) > 100:
            return None
        token = issuance.REFRESH_READ.first(
            "refresh",
            refresh_hash=token_hash(refresh_token),
            application=application.pk,
        )
        if token is None or token.revoked_at is not None:
            return None
        if application.rotate_refresh_tokens:
            # Claimed (rotated_at) with the new token, or by the provider on
            # failure, as codes are: a rotated token that comes back (stolen?)
            # cannot be claimed again and its family is revoked.
            self.server.claim = Claim(
                OAuthToken, token.pk, "rotated_at", token.family, "refresh_token_reused"
            )
        if not token.refresh_usable(timezone.now()):
            return None
        if token.user is not None:
            token.user.preloaded_identifiers = issuance.preloaded_identifiers(token)
        self.INCLUDE_NEW_REFRESH_TOKEN = application.rotate_refresh_tokens
        self.server.sign_in_context = token.sign_in_context()
        self.server.family = token.family
        # The ID token of a refresh repeats the sign-in's auth_time, amr, acr.
        self.request.authorization_code = token
        return token

    def authenticate_user(self, refresh_token):
        user = refresh_token.user
        if (
            user is None
            or user.status != PoolUser.Status.ACTIVE
            or not refresh_token.pool_served
        ):
            return None
        return user

    def revoke_old_credential(self, refresh_token):
        pass  # claimed (rotated_at) with the new token: Provider.claim


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class ProviderRequest(DjangoOAuth2Request):
    """A request as Authlib sees it, its URL on PUBLIC_URL (never the Host
    header: the issuer and the https check follow the configuration)."""

    def __init__(self, request):
        OAuth2Request.__init__(
            self,
            method=request.method,
            uri=settings.PUBLIC_URL + request.get_full_path(),
            headers=request.headers,
        )
        self.payload = DjangoOAuth2Payload(request)
        self._request = request


class TokenRequest(ProviderRequest):
    """Token, revocation and introspection requests take their parameters from
    the body only (RFC 6749 §3.2: never from the query string)."""

    def __init__(self, request):
        super().__init__(request)
        self.payload.__dict__["data"] = request.POST.dict()
        self.payload.__dict__["datalist"] = {
            k: request.POST.getlist(k) for k in request.POST
        }

    @property
    def args(self):
        return {}


class Provider(AuthorizationServer):
    """The authorization server of ``workspace``: the grants and client
    authentication methods applications use, nothing else (the console's
    "Try it" is ``oidc.try_it``'s own provider)."""

    client_class = Client

    def __init__(self, workspace, *, body_only: bool = False):
        super().__init__(client_model=Application, token_model=OAuthToken)
        self.workspace = workspace
        # What the grant claims (a code, a rotated refresh token) and the rows
        # it writes, written together once the response is ready.
        self.claim: Claim | None = None
        self.rows: list = []
        self.issuer = issuer(workspace)
        self.body_only = body_only
        self.scopes_supported = list(SCOPES)
        self.sign_in_context: dict = {}
        self.family = None
        self.client_application = None
        self._clients: dict = {}
        self._keys: dict = {}
        self.register_token_generator("default", self._generate_token)
        self.register_client_auth_method("client_secret_basic", authenticate_basic)
        self.register_grants()

    def register_grants(self) -> None:
        self.register_grant(
            AuthorizationCodeGrant, [PkceS256(required=True), OpenIDCode()]
        )
        self.register_grant(RefreshTokenGrant, [OpenIDRefresh()])
        self.register_grant(ClientCredentialsGrant)

    def validate_requested_scope(self, scope):
        """Unknown scopes are ignored, not refused (OpenID Connect Core
        3.1.2.1; libraries send offline_access and others by default): what
        is granted is ``Client.get_allowed_scope``'s."""

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        if self.body_only and request.method == "POST":
            return TokenRequest(request)
        return ProviderRequest(request)

    def create_token_response(self, request=None):
        """Authlib's response, then the request's writes in one statement:
        the claim and the new token with its audit event. A claim taken
        meanwhile by another request is a reuse: nothing is issued and the
        family is revoked. A failed request still uses up what it claims."""
        request = self.create_oauth2_request(request)
        response = super().create_token_response(request)
        claim, self.claim = self.claim, None
        if response.status_code == 200:
            if issuance.write(claim=claim, rows=self.rows):
                return response
            response = self.handle_error_response(
                request, InvalidGrantError(claim.error)
            )
        elif claim is None or claim.burn():
            return response
        revoke_family(
            claim.family,
            workspace=self.workspace,
            application=self.client_application,
            reason=claim.reason,
        )
        return response

    def known_client(self, client_id: str, application) -> None:
        """``client_id``'s application (or None: the workspace has no such
        client), read already: the token endpoint reads it with the workspace
        (``issuance.token_request_read``), so ``query_client`` need not."""
        if application is not None:
            application.workspace = self.workspace
        self._clients[client_id] = application and self.client_class(application)

    def query_client(self, client_id):
        if not isinstance(client_id, str) or len(client_id) > 64:
            return None
        if client_id not in self._clients:
            application = issuance.CLIENT_READ.first(
                "client", workspace=self.workspace.pk, client_id=client_id
            )
            self.known_client(client_id, application)
        client = self._clients[client_id]
        if client is not None:
            self.client_application = client.application
        return client

    def signing_key(self, client):
        """The active key for the client's ID-token algorithm (one lookup per
        request)."""
        alg = client.application.id_token_alg
        if alg not in self._keys:
            self._keys[alg] = signing_key_for_signing(workspace=self.workspace, alg=alg)
        return self._keys[alg]

    def _generate_token(
        self,
        grant_type,
        client,
        user=None,
        scope=None,
        expires_in=None,
        include_refresh_token=True,
    ):
        application = client.application
        token = {
            "token_type": "Bearer",
            "access_token": ACCESS_PREFIX + secrets.token_urlsafe(32),
            "expires_in": application.access_token_seconds,
        }
        if include_refresh_token and user is not None:
            token["refresh_token"] = REFRESH_PREFIX + secrets.token_urlsafe(32)
        scope = client.get_allowed_scope(scope)  # client credentials: as asked
        if scope:
            token["scope"] = scope
        return token

    def save_token(self, token, request):
        application = request.client.application
        now = timezone.now()
        code = getattr(request, "authorization_code", None)
        family = code.family if code is not None else None
        context = self.sign_in_context
        refresh = token.get("refresh_token")
        scope = token.get("scope", "")
        row = OAuthToken(
            application=application,
            user=request.user or None,
            # Offline access outlives the single sign-on session: its tokens
            # are not ended with it (only by revocation, expiry, "sign out
            # everywhere" or the user's deactivation).
            sso_session_id=(
                None if OFFLINE_ACCESS in scope.split() else context.get("sso")
            ),
            family=family
            or self.family
            or OAuthToken._meta.get_field("family").default(),
            access_token_hash=token_hash(token["access_token"]),
            refresh_token_hash=token_hash(refresh) if refresh else None,
            scope=scope,
            auth_time=context.get("auth_time"),
            amr=context.get("amr", []),
            acr=context.get("acr", ""),
            issued_at=now,
            access_expires_at=now + timedelta(seconds=token["expires_in"]),
            refresh_expires_at=(
                now + timedelta(seconds=application.refresh_token_seconds)
                if refresh
                else None
            ),
        )
        # Written by create_token_response, with the claim (one statement).
        self.rows = [
            row,
            audit_row(
                actor=application,
                action="oauth.token_issued",
                workspace=self.workspace,
                target=request.user or application,
                details={
                    "application": application.audit_label,
                    "grant": request.payload.grant_type,
                    "scope": row.scope,
                },
            ),
        ]
        return row

    def send_signal(self, name, *args, **kwargs):
        pass  # no Django signals: audit events are written where things happen
