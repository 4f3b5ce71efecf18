"""The authorization endpoint: an application sends a browser here; it leaves
with a code (or an error) for the application's redirect URI.

The request is checked by Authlib (client, exact redirect URI, response type,
scopes, PKCE, nonce, prompt). A request whose client or redirect URI is wrong
gets an error page and is never redirected. Otherwise the browser's single
sign-on session answers at once when it is fresh enough (``max_age``,
``prompt=login``); else the request waits in the hosted session
(``accounts.flows.sign_in_state.authorize_keep``) while the user signs in on
the pool's hosted pages (a choice of pools first when the application has
several), and ``/authorize/continue`` picks it up again. Consent, when the
application asks for it, is given once per scope set.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
)
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from accounts.flows.mfa import step_up_start
from accounts.flows.sign_in_state import (
    authorize_forget,
    authorize_keep,
    authorize_pending,
    signed_in_pool_id,
    signed_in_user,
    signed_in_value,
)
from accounts.hosted.access import hosted_workspace
from accounts.hosted.steps import stage_page
from accounts.sso import ACR_MFA, ACR_SINGLE, ACR_VALUES, authentication_context
from core.catalogue import message
from identity_pools.models import IdentityPool

from .authorize_request import (
    bad_parameters,
    max_age_of,
    request_error,
    response_mode_of,
    trusted_redirect_uri,
)
from .claims import subject
from .models import Consent
from .server import Provider, issuer
from .signing_keys import Alg, workspace_jwks


def error_page(request, workspace, text: str, *, status: int = 400):
    return render(
        request,
        "oidc/error.html",
        {"workspace": workspace, "text": text},
        status=status,
    )


def _signed_in(session, application_pools) -> tuple:
    """(user, sign-in data) of this browser's sign-on session when its pool
    serves the application, else (None, None)."""
    pool_id = signed_in_pool_id(session)
    pool = next((p for p in application_pools if str(p.pk) == pool_id), None)
    if pool is None:
        return None, None
    user = signed_in_user(session, pool=pool, seconds=settings.HOSTED_SESSION_AGE)
    if user is None:
        return None, None
    return user, signed_in_value(
        session, pool=pool, seconds=settings.HOSTED_SESSION_AGE
    )


def _hinted_subject(workspace, client, hint: str | None) -> str | bool | None:
    """The ``sub`` of ``id_token_hint``: an ID token this workspace signed for
    ``client`` (expired or not, as OpenID Connect allows). None without a
    hint (or without a client: Authlib refuses the request first); False when
    the hint is not such a token (malformed, another key or issuer, another
    application's)."""
    if not hint or client is None:
        return None
    try:
        token = jwt.decode(
            hint,
            KeySet.import_key_set(workspace_jwks(workspace=workspace)),
            algorithms=list(Alg.values),
        )
    except (JoseError, ValueError, TypeError):
        return False
    claims = token.claims
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    sub = claims.get("sub")
    if (
        claims.get("iss") != issuer(workspace)
        or client.client_id not in audiences
        or not isinstance(sub, str)
    ):
        return False
    return sub


class AuthorizeView(View):
    """GET or POST (OpenID Connect allows both) /w/<workspace>/authorize."""

    resumed = False
    pending: dict = {}  # the waiting request, when resumed
    stepped_up = False  # resumed after asking for a second factor (acr_values)

    def dispatch(self, request, *args, **kwargs):
        self.workspace = hosted_workspace(slug=kwargs["workspace"])
        self.session = request.hosted_session
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.authorize(request.GET.copy())

    def post(self, request, *args, **kwargs):
        return self.authorize(request.POST.copy())

    # --- the decision -----------------------------------------------------
    def authorize(self, params: QueryDict, *, consented: bool | None = None):
        request = self.request
        problem = bad_parameters(params)
        if problem:
            return error_page(request, self.workspace, problem)
        request.GET = params  # what Authlib reads, also when resumed or posted
        request.method = "GET"
        provider = Provider(self.workspace)
        client, trusted_uri, untrusted = trusted_redirect_uri(provider, params)
        if untrusted:
            return self.link_invalid(untrusted)
        problem = request_error(params, redirect_uri=trusted_uri)
        if problem is not None:
            return self.refused(provider, problem)
        pools = self.pools(client.application)
        user, data = _signed_in(self.session, pools)
        prompts = (params.get("prompt") or "").split()
        max_age = max_age_of(params)
        hinted = _hinted_subject(self.workspace, client, params.get("id_token_hint"))
        login = "login" in prompts
        if user is not None and self.resumed:
            # Sent to sign in again (prompt=login, max_age, another user
            # hinted): only a sign-in made since then answers, not the old one
            # (the account page sends a waiting request on).
            if self.pending.get("login") and data["at"] < self.pending["at"]:
                user, login = None, True
        elif user is not None:
            too_old = max_age is not None and time.time() - data["at"] > max_age
            someone_else = hinted not in (None, False) and hinted != subject(
                application=client.application, user_id=user.pk
            )
            if login or too_old or someone_else:
                # The identifier page, not the signed-in shortcut.
                user, login = None, True
        try:
            grant = provider.get_consent_grant(request, end_user=user)
            if hinted is False:
                raise InvalidRequestError(
                    "'id_token_hint' is not an ID token this provider issued to "
                    "this application.",
                    redirect_uri=grant.redirect_uri,
                )
        except OAuth2Error as exc:
            return self.refused(provider, exc)
        redirect_uri = grant.request.payload.redirect_uri
        if user is None:
            return self.sign_in_first(params, pools, login=login)
        stepping = self.step_up(
            params, client.application, user, data, prompts, provider, redirect_uri
        )
        if stepping is not None:
            return stepping
        application = client.application
        scopes = grant.request.scope.split()
        if consented is False:
            return self.refused(
                provider,
                OAuth2Error(
                    error="access_denied",
                    description="The user did not allow the application.",
                    redirect_uri=redirect_uri,
                ),
            )
        if consented is None and self.consent_needed(
            application, user, scopes, prompts
        ):
            if "none" in prompts:
                return self.refused(
                    provider, ConsentRequiredError(redirect_uri=redirect_uri)
                )
            self.keep(params)
            return self.consent_page(application, scopes)
        if consented:
            Consent.objects.update_or_create(
                user=user, application=application, defaults={"scopes": scopes}
            )
        amr, acr = authentication_context(data.get("method", "password"))
        provider.sign_in_context = {
            "sso": data.get("sso"),
            "auth_time": _from_timestamp(data["at"]),
            "amr": amr,
            "acr": acr,
        }
        with transaction.atomic():
            response = provider.create_authorization_response(
                request, grant_user=user, grant=grant
            )
        authorize_forget(self.session)
        return self.delivered(response, redirect_uri)

    def refused(self, provider, exc: OAuth2Error):
        """An error for the application at its redirect URI; an error page when
        the client or redirect URI cannot be trusted with one."""
        authorize_forget(self.session)
        if isinstance(exc, LoginRequiredError | ConsentRequiredError) or getattr(
            exc, "redirect_uri", None
        ):
            exc.state = self.request.GET.get("state")
            response = provider.handle_error_response(None, exc)
            redirect_uri = getattr(exc, "redirect_uri", None)
            return self.delivered(
                response, redirect_uri or self.request.GET.get("redirect_uri", "")
            )
        return self.link_invalid(exc.description or exc.error)

    def link_invalid(self, reason: str):
        """The error page for a request no error may be sent back for."""
        return error_page(
            self.request,
            self.workspace,
            f"This sign-in link is not valid: {reason} Go back to the application "
            "and try again, or tell its developers.",
        )

    def step_up(self, params, application, user, data, prompts, provider, redirect_uri):
        """``acr_values`` preferring "2" (two factors), or an application that
        requires two factors (``require_two_factors``: as "2" alone), while
        this browser signed in with one: the user is asked for a second factor
        (or to set one up) and comes back here.

        None goes on: no such request, two factors already, or one factor when
        the application also takes "1" (listed after "2") and the user has no
        second factor (none is set up for a mere preference). Otherwise the
        answer: the second-factor page, ``interaction_required`` under
        ``prompt=none``, ``unmet_authentication_requirements`` when the pool
        counts no second factor or the user came back without one."""
        wanted = [
            v for v in (params.get("acr_values") or "").split() if v in ACR_VALUES
        ]
        if application.require_two_factors:
            wanted = [ACR_MFA]  # the operator's rule, whatever the request says
        if not wanted or wanted[0] != ACR_MFA:
            return None  # none of ours (ignored, as OpenID Connect allows), or "1"
        method = data.get("method", "password")
        if authentication_context(method)[1] == ACR_MFA:
            return None
        one_will_do = ACR_SINGLE in wanted
        if "none" in prompts:
            if one_will_do:
                return None
            return self.refused(
                provider,
                InteractionRequiredError(
                    description="The application asks for a second factor.",
                    redirect_uri=redirect_uri,
                ),
            )
        stage = None
        if not self.stepped_up:
            stage = step_up_start(
                self.session,
                pool=user.pool,
                user=user,
                first=method,
                enrol=not one_will_do,  # "2 1": no set-up forced for a preference
            )
        if stage is None:
            if one_will_do:
                return None
            return self.refused(
                provider,
                OAuth2Error(
                    error="unmet_authentication_requirements",
                    description=(
                        "The application asks for a second factor, and this "
                        "sign-in has none."
                    ),
                    redirect_uri=redirect_uri,
                ),
            )
        self.keep(params, stepped_up=True)
        return redirect(
            reverse(
                f"hosted:{stage_page(stage)}", args=[self.workspace.slug, user.pool.pk]
            )
        )

    def response_mode(self) -> str | None:
        return response_mode_of(self.request.GET)

    def delivered(self, response, redirect_uri: str):
        """``response`` (Authlib's redirect to ``redirect_uri`` with the answer
        in its query), the issuer added (RFC 9207: ``iss``, success or error),
        in the request's response mode (``query`` for an unknown one): after
        the redirect URI's own query, kept as registered; in its fragment; or
        as a form the browser posts to it (the page's CSP lets that form go to
        the application's origin). Redirects elsewhere stay as they are."""
        location = response.get("Location", "")
        if not redirect_uri or response.status_code != 302:
            return response
        if urlsplit(location)[:3] != urlsplit(redirect_uri)[:3]:
            return response  # (Authlib re-encodes the URI's own query)
        own = parse_qsl(urlsplit(redirect_uri).query, keep_blank_values=True)
        pairs = parse_qsl(urlsplit(location).query, keep_blank_values=True)
        fields = pairs[len(own) :] if pairs[: len(own)] == own else pairs
        fields = [(k, v) for k, v in fields if k != "iss"]
        fields.append(("iss", issuer(self.workspace)))
        mode = self.response_mode() or "query"
        if mode == "query":
            joint = "&" if urlsplit(redirect_uri).query else "?"
            return redirect(f"{redirect_uri}{joint}{urlencode(fields)}")
        if mode == "fragment":
            return redirect(f"{redirect_uri}#{urlencode(fields)}")
        page = render(
            self.request,
            "oidc/form_post.html",
            {"workspace": self.workspace, "action": redirect_uri, "fields": fields},
        )
        page["Cache-Control"] = "no-store"
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(redirect_uri))
        config = dict(settings.SECURE_CSP)
        config["form-action"] = [*config.get("form-action", []), origin]
        page._csp_config = config
        return page

    def pools(self, application) -> list:
        """The pools whose users sign in to ``application``, each with its
        connection's ``display_name`` (what users are shown, not the pool's
        name)."""
        return list(
            IdentityPool.objects.filter(
                idp_connections__applications=application,
                workspace=self.workspace,
            )
            .annotate(display_name=F("idp_connections__display_name"))
            .order_by("display_name")
        )

    def consent_needed(self, application, user, scopes, prompts) -> bool:
        if "consent" in prompts:
            return True
        if not application.require_consent:
            return False
        given = (
            Consent.objects.filter(user=user, application=application)
            .values_list("scopes", flat=True)
            .first()
        )
        return given is None or not set(scopes) <= set(given)

    def keep(self, params: QueryDict, **extra) -> None:
        """Keep the request in this browser while the user signs in or decides."""
        origin = "{0.scheme}://{0.netloc}".format(
            urlsplit(params.get("redirect_uri", ""))
        )
        authorize_keep(
            self.session,
            workspace=self.workspace,
            values={
                "query": params.urlencode(),
                "origin": origin,
                "continue": reverse(
                    "oidc:authorize_continue", args=[self.workspace.slug]
                ),
                **extra,
            },
        )

    def sign_in_first(self, params, pools, *, login: bool):
        self.keep(params, login=login)
        hint = params.get("login_hint", "")[:254]
        suffix = "?" + urlencode({"login_hint": hint}) if hint else ""
        if len(pools) == 1:
            return redirect(
                reverse("hosted:sign_in", args=[self.workspace.slug, pools[0].pk])
                + suffix
            )
        return render(
            self.request,
            "oidc/choose_pool.html",
            {
                "workspace": self.workspace,
                "choices": [
                    {
                        "name": pool.display_name,
                        "url": reverse(
                            "hosted:sign_in", args=[self.workspace.slug, pool.pk]
                        )
                        + suffix,
                    }
                    for pool in pools
                ],
            },
        )

    def consent_page(self, application, scopes):
        return render(
            self.request,
            "oidc/consent.html",
            {
                "workspace": self.workspace,
                "application": application,
                "scopes": [message(f"consent_scope.{s}") for s in scopes],
            },
        )


def _from_timestamp(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class AuthorizeContinueView(AuthorizeView):
    """The waiting request, once the user signed in (GET) or decided on consent
    (POST, with CSRF)."""

    resumed = True

    def get(self, request, *args, **kwargs):
        pending = authorize_pending(self.session, workspace=self.workspace)
        if pending is None:
            return error_page(
                request,
                self.workspace,
                "This sign-in request has expired. Go back to the application "
                "and sign in again.",
            )
        self.pending = pending
        self.stepped_up = bool(pending.get("stepped_up"))
        return self.authorize(QueryDict(pending["query"], mutable=True))

    def post(self, request, *args, **kwargs):
        pending = authorize_pending(self.session, workspace=self.workspace)
        if pending is None:
            return self.get(request, *args, **kwargs)
        self.pending = pending
        decision = request.POST.get("decision")
        return self.authorize(
            QueryDict(pending["query"], mutable=True),
            consented=decision == "allow",
        )
