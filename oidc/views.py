"""The workspace's OpenID provider endpoints other than authorization:
discovery, JWKS, token, userinfo, revocation, introspection and RP-initiated
logout. Public endpoints are cached by ETag; endpoints that check a secret
count failures per client address and answer 429 past a limit; SPAs of the
workspace may call them across origins (CORS for their redirect URIs'
origins)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.hosted.access import hosted_workspace
from accounts.sso import ACR_VALUES
from core import ratelimit
from core.audit import SystemActor, audit_record
from core.fastpath.responses import document_response
from core.request import client_ip
from core.tokens import token_hash

from . import issuance, selectors
from .authorize_request import RESPONSE_MODES, bad_parameters
from .claims import SUPPORTED_CLAIMS, subject, user_claims
from .clients import AUTH_METHODS, SCOPES, requested_client_id
from .models import Application, OAuthToken
from .protocol import challenge, json_body, oauth_text
from .selectors import PUBLIC_DOCUMENTS as DOCUMENTS
from .server import ACCESS_PREFIX, REFRESH_PREFIX, Provider, _audit, issuer
from .signing_keys import signing_keys_ensure

MAX_AGE = 300
SIGNING_ALGS = ("ES256", "RS256")
CLIENT_AUTH_HELP = (
    "Client authentication failed: check the client id and secret (HTTP Basic, or "
    "client_id and client_secret in the body). Single-page and native "
    "applications send only client_id, with the PKCE code_verifier."
)
# Failed token, revocation, introspection and userinfo requests per client
# address per 15 minutes.
FAILURES = (100, 15 * 60)


PUBLIC_HEADERS = {
    "Cache-Control": f"public, max-age={MAX_AGE}",
    "Access-Control-Allow-Origin": "*",
}


def provider_url(workspace, name: str) -> str:
    """The address of the endpoint ``oidc:<name>`` of ``workspace``'s
    provider: under its issuer (PUBLIC_URL), never the request's Host."""
    slug = workspace.slug
    path = reverse(f"oidc:{name}", args=[slug])[len(f"/w/{slug}") :]
    return issuer(workspace) + path


def endpoint_urls(workspace) -> dict:
    def url(name):
        return provider_url(workspace, name)

    return {
        "authorization_endpoint": url("authorize"),
        "token_endpoint": url("token"),
        "userinfo_endpoint": url("userinfo"),
        "jwks_uri": url("jwks"),
        "revocation_endpoint": url("revoke"),
        "introspection_endpoint": url("introspect"),
        "end_session_endpoint": url("end_session"),
    }


def discovery_document(workspace) -> dict:
    """The OpenID Provider Metadata of ``workspace`` (OpenID Connect
    Discovery 1.0), served as its RFC 8414 authorization server metadata too."""
    return {
        "issuer": issuer(workspace),
        **endpoint_urls(workspace),
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": list(RESPONSE_MODES),
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
        ],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": list(SIGNING_ALGS),
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(SUPPORTED_CLAIMS),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "prompt_values_supported": ["none", "login", "consent"],
        "acr_values_supported": list(ACR_VALUES),
        "claim_types_supported": ["normal"],
        "ui_locales_supported": ["en"],
        "authorization_response_iss_parameter_supported": True,
    }


class DiscoveryView(View):
    """The discovery document: it depends on the workspace's slug (and the
    settings) only, so the workspace's id is its version."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        slug = kwargs["workspace"]
        key = ("discovery", slug, settings.PUBLIC_URL)
        document = DOCUMENTS.fresh(key)
        if document is None:
            version = selectors.workspace_id(slug=slug)
            if version is None:
                raise Http404("No such workspace.")
            document = DOCUMENTS.confirmed(key, version)
        if document is None:
            body = discovery_document(hosted_workspace(slug=slug))
            document = DOCUMENTS.put(key, version, _json(body), "application/json")
        return document_response(request, document, headers=PUBLIC_HEADERS)


class JwksView(View):
    """The workspace's public signing keys (JWKS): its own keys only; the
    active and next key of each algorithm, made on the first request of a new
    workspace. The kids it publishes are its version (a key's public part
    never changes)."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        slug = kwargs["workspace"]
        key = ("jwks", slug)
        document = DOCUMENTS.fresh(key)
        if document is None:
            found = selectors.published_keys(slug=slug, now=timezone.now())
            if found is None:
                raise Http404("No such workspace.")
            keys = found[1]
            if set(SIGNING_ALGS) - {alg for _kid, alg in keys}:
                # Published before anything is signed with them.
                workspace = hosted_workspace(slug=slug)
                for alg in SIGNING_ALGS:
                    signing_keys_ensure(workspace=workspace, alg=alg)
            else:
                document = DOCUMENTS.confirmed(key, keys)
        if document is None:
            # The keys and their version from the same statement.
            found = selectors.published_keys(slug=slug, now=timezone.now(), jwks=True)
            if found is None:
                raise Http404("No such workspace.")
            keys = found[1]
            document = DOCUMENTS.put(
                key,
                tuple((kid, alg) for kid, alg, _jwk in keys),
                _json({"keys": [jwk for _kid, _alg, jwk in keys]}),
                "application/jwk-set+json",
            )
        return document_response(request, document, headers=PUBLIC_HEADERS)


def _json(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _allowed_origin(workspace, origin: str) -> bool:
    """Whether ``origin`` is that of a redirect URI of one of ``workspace``'s
    applications (browser apps calling the token endpoints)."""
    if not origin or len(origin) > 300:
        return False
    for uris in Application.objects.filter(workspace=workspace).values_list(
        "redirect_uris", flat=True
    ):
        for uri in uris or []:
            parts = urlsplit(uri)
            if f"{parts.scheme}://{parts.netloc}" == origin:
                return True
    return False


@method_decorator(csrf_exempt, name="dispatch")
class ApiEndpoint(View):
    """An endpoint applications call directly (not a browser page): no CSRF
    (client authentication instead), CORS for the workspace's browser apps,
    failures counted per client address, and refused past the limit: checked
    here only, once per request, before anything of the request is read."""

    http_method_names = ["post", "options"]
    cors_methods = "POST, OPTIONS"

    def dispatch(self, request, *args, **kwargs):
        slug = kwargs["workspace"]
        self.limit = ratelimit.Limit(
            f"oidc:failures:{slug}:{client_ip(request)}", *FAILURES
        )
        if request.method == "OPTIONS":
            self.workspace = hosted_workspace(slug=slug)
            response = super().dispatch(request, *args, **kwargs)
            return self.cors(request, response)
        self.workspace, failures = self.admit(request, slug)
        if failures >= self.limit.max_events:
            response = self.limited()
        elif problem := bad_parameters(request.POST) or bad_parameters(request.GET):
            response = self.malformed(request, problem)
        else:
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code in (400, 401):
                response = self.refused(request, response)
        return self.cors(request, response)

    def admit(self, request, slug: str):
        """The workspace ``slug`` (Http404 when there is none) and the
        failure count of this address (``self.limit``)."""
        return hosted_workspace(slug=slug), ratelimit.count(self.limit)

    def malformed(self, request, problem: str):
        return self.error("invalid_request", problem, 400)

    def refused(self, request, response):
        """A refused request counts against the address's limit."""
        ratelimit.hit(self.limit)
        return self.explained(response)

    def limited(self):
        response = self.error(
            "slow_down",
            "Too many failed requests from this address; try again later.",
            429,
        )
        response["Retry-After"] = str(max(1, ratelimit.retry_after(self.limit)))
        return response

    def explained(self, response):
        """Authlib's invalid_client text lists method names: say what to do
        instead, in the body and in the Basic challenge of a 401 alike
        (RFC 6749 §5.2)."""
        body = json_body(response)
        if body.get("error") != "invalid_client":
            return response
        body["error_description"] = CLIENT_AUTH_HELP
        response.content = json.dumps(body).encode()
        if response.status_code == 401:
            response["WWW-Authenticate"] = challenge(
                "Basic", realm=issuer(self.workspace), body=body
            )
        elif "WWW-Authenticate" in response:
            del response["WWW-Authenticate"]
        return response

    def cors(self, request, response):
        origin = request.headers.get("Origin", "")
        if origin and _allowed_origin(self.workspace, origin):
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = self.cors_methods
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "600"
            # What a browser app needs to read of an error (RFC 6750 §3).
            response["Access-Control-Expose-Headers"] = "WWW-Authenticate, Retry-After"
        patch_vary_headers(response, ("Origin",))
        return response

    def options(self, request, *args, **kwargs):
        return HttpResponse(status=204)

    @staticmethod
    def error(code: str | None, description: str, status: int, **extra):
        """A JSON error (``code`` None: a description only), its description
        in RFC 6749's characters."""
        body = {"error": code} if code else {}
        body |= {"error_description": oauth_text(description), **extra}
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response


class TokenView(ApiEndpoint):
    """The token endpoint, for applications only (the console's "Try it" has
    its own provider: ``oidc.try_it``). Its hot path is three statements: the
    workspace with the address's failure count and the client the request
    names (``admit``), the code or refresh token with everything the response
    needs, and the claim written with the new token and its audit event
    (``Provider.create_token_response``). A refusal is audited."""

    def admit(self, request, slug: str):
        client_id = requested_client_id(request)
        workspace, application, failures = issuance.token_request_read(
            slug=slug, client_id=client_id, limit=self.limit, now=timezone.now()
        )
        if workspace is None:
            raise Http404("No such workspace.")
        self.provider = Provider(workspace, body_only=True)
        if client_id is not None:
            self.provider.known_client(client_id, application)
        return workspace, failures

    def post(self, request, *args, **kwargs):
        return self.provider.create_token_response(request)

    def malformed(self, request, problem: str):
        return self.refused(request, super().malformed(request, problem))

    def refused(self, request, response):
        """A refused token request is an audit event (bounded: the failures of
        an address are limited), by the application when it is known."""
        try:
            error = json.loads(response.content).get("error", "")
        except ValueError:
            error = ""
        application = self.provider.client_application
        audit_record(
            actor=application or SystemActor("token endpoint"),
            action="oauth.token_refused",
            workspace=self.workspace,
            target=application,
            details={
                "error": str(error)[:40],
                "grant": request.POST.get("grant_type", "")[:40],
            },
        )
        return super().refused(request, response)


def _token_by_secret(workspace, secret: str):
    """The token row a bearer or refresh secret belongs to, in ``workspace``."""
    if not isinstance(secret, str) or len(secret) > 100:
        return None, None
    if secret.startswith(ACCESS_PREFIX):
        found = OAuthToken.objects.filter(access_token_hash=token_hash(secret))
        kind = "access_token"
    elif secret.startswith(REFRESH_PREFIX):
        found = OAuthToken.objects.filter(refresh_token_hash=token_hash(secret))
        kind = "refresh_token"
    else:
        return None, None
    row = (
        found.filter(application__workspace=workspace)
        .select_related("application", "user", "sso_session")
        .first()
    )
    return row, kind


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def query_token(self, token_string, token_type_hint):
        row, kind = _token_by_secret(self.server.workspace, token_string)
        if row is not None:
            row.presented_as = kind
        return row

    def revoke_token(self, token, request):
        if token.presented_as == "refresh_token":
            # The whole chain (RFC 7009 §2.1).
            OAuthToken.objects.filter(family=token.family).revoke()
        else:
            OAuthToken.objects.filter(pk=token.pk).revoke()
        _audit(
            self.server.workspace,
            "oauth.token_revoked",
            actor=token.application,
            target=token.user or token.application,
            application=token.application.audit_label,
            token=token.presented_as,
        )


class RevokeView(ApiEndpoint):
    def post(self, request, *args, **kwargs):
        provider = Provider(self.workspace, body_only=True)
        provider.register_endpoint(Revocation)
        return provider.create_endpoint_response("revocation", request)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        row, kind = _token_by_secret(self.server.workspace, token_string)
        if row is not None:
            row.presented_as = kind
        return row

    def check_permission(self, token, client, request):
        # The token's own application, or a confidential client of the same
        # workspace (an API checking the tokens sent to it).
        return not client.application.is_public

    def create_introspection_payload(self, token):
        now = timezone.now()
        if token is None:
            return {"active": False}
        usable = (
            token.access_usable(now)
            if token.presented_as == "access_token"
            else token.refresh_usable(now) and token.rotated_at is None
        )
        if not usable:
            return {"active": False}
        return self.introspect_token(token)

    def introspect_token(self, token):
        payload = {
            "active": True,
            "client_id": token.application.client_id,
            "token_type": "Bearer"
            if token.presented_as == "access_token"
            else "refresh_token",
            "scope": token.scope,
            "iat": int(token.issued_at.timestamp()),
            "exp": int(
                (
                    token.access_expires_at
                    if token.presented_as == "access_token"
                    else token.refresh_expires_at
                ).timestamp()
            ),
            "iss": self.server.issuer,
            "aud": token.application.client_id,
        }
        if token.user_id:
            payload["sub"] = subject(
                application=token.application, user_id=token.user_id
            )
        return payload


class IntrospectView(ApiEndpoint):
    def post(self, request, *args, **kwargs):
        provider = Provider(self.workspace, body_only=True)
        provider.register_endpoint(Introspection)
        return provider.create_endpoint_response("introspection", request)


def _bearer(request) -> str | None:
    """The token of the request's ``Authorization: Bearer`` header, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


class UserInfoView(ApiEndpoint):
    """The signed-in user's claims for a bearer access token (GET or POST,
    RFC 6750 header only). One statement reads the workspace, the address's
    failure count and the token with all the claims need
    (``selectors.userinfo_read``)."""

    http_method_names = ["get", "post", "options"]
    cors_methods = "GET, POST, OPTIONS"

    def admit(self, request, slug: str):
        secret = _bearer(request)
        access_hash = None
        if (
            secret is not None
            and len(secret) <= 100
            and secret.startswith(ACCESS_PREFIX)
        ):
            access_hash = token_hash(secret)
        workspace, self.token, failures = selectors.userinfo_read(
            slug=slug, access_hash=access_hash, limit=self.limit, now=timezone.now()
        )
        if workspace is None:
            raise Http404("No such workspace.")
        return workspace, failures

    def refuse(self, description: str, status=401, error="invalid_token", **extra):
        """The error, and its Bearer challenge made from the same body (no
        error code in either when no token was sent: RFC 6750 §3.1)."""
        response = self.error(error, description, status, **extra)
        response["WWW-Authenticate"] = challenge(
            "Bearer", realm=issuer(self.workspace), body=json_body(response)
        )
        return response

    def get(self, request, *args, **kwargs):
        if _bearer(request) is None:
            return self.refuse(
                "Send the access token as 'Authorization: Bearer <token>'.",
                error=None,
            )
        row = self.token
        if row is None or not row.access_usable(timezone.now()):
            return self.refuse("The access token is not valid (expired or revoked).")
        scopes = row.scope.split()
        if row.user_id is None or "openid" not in scopes:
            return self.refuse(
                "This access token was not issued with the 'openid' scope.",
                403,
                "insufficient_scope",
                scope="openid",
            )
        claims = user_claims(
            application=row.application,
            user=row.user,
            scopes=scopes,
            identifiers=row.identifiers,
            groups=row.groups,
        )
        response = JsonResponse(claims)
        response["Cache-Control"] = "no-store"
        return response

    post = get
