"""Passkeys on the hosted pages: the JSON endpoints of the ceremonies (sign-in,
second factor, and registration at a forced enrolment and right after a
registration) and the offer page; ``PasskeyRegisterEndpoint`` is the
registration the account's passkey page shares
(``accounts.authenticators.passkeys.views``).

Every view resolves the workspace and the pool through ``PoolPageMixin`` (404
for a pool of another workspace). The endpoints take POST only, with CSRF (the
page's script, ``static/js/passkeys.js``, sends the page's token in
X-CSRFToken), and answer JSON: ``{"challenge", "options"}`` for options,
``{"redirect"}`` on success, ``{"error"}`` with 400 (429 when rate-limited)
otherwise. A challenge is answered only from the browser it was given to: the
hosted session keeps one secret for its passkey ceremonies (made by the first
options request, then only read, so ceremonies started at once do not undo each
other's writes), and the stored challenge keeps its hash.
"""

from __future__ import annotations

import json
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse, RawPostDataException
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core import strictjson
from core.catalogue import error
from core.request import client_ip
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.passkeys.services import (
    MAX_JSON,
    PASSKEY,
    SYNCED_PASSKEY,
    passkey_register,
    passkey_registration_options,
)
from ..authenticators.presence import second_factor_options
from ..flows.mfa import (
    DEVICE_COOKIE,
    sign_in_after_first,
    sign_in_enrolled,
    sign_in_finish,
    sign_in_pending,
    sign_in_second_passkey,
    sign_in_second_passkey_options,
)
from ..flows.pending import session_value
from ..flows.pipeline import (
    ENROLMENT,
    FIRST_FACTOR,
    SECOND_FACTOR,
    enrolment_options,
)
from ..flows.sign_in import sign_in_passkey, sign_in_passkey_options
from ..flows.sign_in_state import attempt_of
from .steps import remember_this_device, stage_page
from .views import PASSKEY_OFFER_KEY, PASSKEY_OFFER_SECONDS, PoolPageMixin

BROWSER_KEY = "passkey_browser"


def passkey_browser(session, *, create: bool) -> str:
    """The secret that binds passkey challenges to this browser's hosted
    session: made when ``create`` and missing, else "" (which matches no
    challenge). Signing in clears the session, and so the secret with it."""
    secret = session.get(BROWSER_KEY)
    if isinstance(secret, str) and secret:
        return secret
    if not create:
        return ""
    secret = secrets.token_urlsafe(32)
    session[BROWSER_KEY] = secret
    return secret


def _body(request) -> dict:
    """The request's JSON object (at most ``MAX_JSON`` bytes), or
    ValidationError ``passkey_failed``."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 <= length <= MAX_JSON:
        raise error("passkey_failed")
    try:
        data = strictjson.loads(request.body or b"{}")
    except (ValueError, RecursionError, RawPostDataException):
        # RawPostDataException: a form's body, read as a form already.
        raise error("passkey_failed") from None
    if not isinstance(data, dict):
        raise error("passkey_failed")
    return data


class PasskeyEndpoint(PoolPageMixin, View):
    """One ceremony's two JSON endpoints: ``step`` "options" or "verify".
    Subclasses say who takes part (``subject``: a user, or None when nobody
    does yet) and what each step does."""

    http_method_names = ["post"]
    step = "options"

    def policy(self):
        return sign_in_policy_for(self.pool)

    def subject(self):
        """The user of the ceremony; ValidationError when there is none."""
        raise NotImplementedError

    def options(self, user):
        raise NotImplementedError

    def verify(self, user, body: dict) -> str:
        """Check the browser's answer; returns the URL to go to."""
        raise NotImplementedError

    def browser(self) -> str:
        return passkey_browser(
            self.request.hosted_session, create=self.step == "options"
        )

    def post(self, request, *args, **kwargs):
        try:
            user = self.subject()
            if self.step == "options":
                challenge_id, options = self.options(user)
                return JsonResponse(
                    {"challenge": str(challenge_id), "options": json.loads(options)}
                )
            body = _body(request)
            return self.json_redirect(self.verify(user, body))
        except ValidationError as exc:
            limited = getattr(exc, "code", None) == "hosted_rate_limited"
            status = 429 if limited else 400
            return JsonResponse({"error": " ".join(exc.messages)}, status=status)

    def json_redirect(self, url: str) -> JsonResponse:
        return JsonResponse({"redirect": url})


# --- sign-in ----------------------------------------------------------------------


class PasskeySignInView(PasskeyEndpoint):
    """The first factor: usernameless from the first sign-in screen (a button,
    or the browser's autofill), or after an identifier (``identified``: the
    passkey must be its user's)."""

    def pool_page_open(self) -> bool:
        return self.policy().passkey_enabled

    def subject(self):
        return None

    def options(self, user):
        return sign_in_passkey_options(
            pool=self.pool, ip=client_ip(self.request), browser=self.browser()
        )

    def verify(self, user, body):
        identifier = None
        if body.get("identified") is True:
            pending = attempt_of(
                self.request.hosted_session, pool=self.pool, stages=(FIRST_FACTOR,)
            )
            if pending is None:
                raise error("passkey_challenge_invalid")
            identifier = pending["identifier"]
        used = sign_in_passkey(
            pool=self.pool,
            challenge_id=body.get("challenge"),
            response=body.get("credential"),
            ip=client_ip(self.request),
            browser=self.browser(),
            identifier=identifier,
        )
        stage = sign_in_after_first(
            self.request.hosted_session,
            pool=self.pool,
            user=used.user,
            method=used.method,
            must_change=False,
            device_token=self.request.COOKIES.get(DEVICE_COOKIE),
        )
        return self.page_url(stage_page(stage))


class PasskeySecondView(PasskeyEndpoint):
    """The second factor, for the sign-in waiting at that stage."""

    remember = None

    def pool_page_open(self) -> bool:
        return "passkey" in self.policy().second_factors()

    def subject(self):
        pending = sign_in_pending(
            self.request.hosted_session, pool=self.pool, stages=(SECOND_FACTOR,)
        )
        if pending is None:
            raise error("passkey_challenge_invalid")
        self.state, user = pending
        options = second_factor_options(
            policy=self.policy(), user=user, first=self.state["first"]
        )
        if "passkey" not in options:
            raise error("sign_in_method_unavailable")
        return user

    def options(self, user):
        return sign_in_second_passkey_options(
            pool=self.pool,
            user=user,
            ip=client_ip(self.request),
            browser=self.browser(),
        )

    def verify(self, user, body):
        used = sign_in_second_passkey(
            pool=self.pool,
            user=user,
            challenge_id=body.get("challenge"),
            response=body.get("credential"),
            ip=client_ip(self.request),
            browser=self.browser(),
        )
        self.remember = user if body.get("remember") is True else None
        stage = sign_in_finish(
            self.request.hosted_session,
            pool=self.pool,
            user=user,
            method=f"{self.state['first']}+{used.method}",
            must_change=self.state.get("must_change", False),
        )
        return self.page_url(stage_page(stage))

    def json_redirect(self, url):
        response = super().json_redirect(url)
        days = self.policy().remember_device_days
        if self.remember is not None and days:
            remember_this_device(response, user=self.remember, days=days)
        return response


# --- registration -----------------------------------------------------------------


class PasskeyRegisterEndpoint(PasskeyEndpoint):
    """Registration: only while the pool lets users register passkeys."""

    def pool_page_open(self) -> bool:
        return self.policy().passkeys_usable()

    def options(self, user):
        return passkey_registration_options(user=user, browser=self.browser())

    def verify(self, user, body):
        name = body.get("name")
        passkey = passkey_register(
            user=user,
            challenge_id=body.get("challenge"),
            response=body.get("credential"),
            browser=self.browser(),
            name="" if name is None else name,
        )
        return self.registered(user, passkey)

    def registered(self, user, passkey) -> str:
        raise NotImplementedError


class EnrolPasskeyRegisterView(PasskeyRegisterEndpoint):
    """At sign-in, when the pool requires a second factor the user lacks."""

    def pool_page_open(self) -> bool:
        policy = self.policy()
        return "passkey" in enrolment_options(policy)

    def subject(self):
        pending = sign_in_pending(
            self.request.hosted_session, pool=self.pool, stages=(ENROLMENT,)
        )
        if pending is None:
            raise error("passkey_challenge_invalid")
        return pending[1]

    def registered(self, user, passkey):
        stage = sign_in_enrolled(
            self.request.hosted_session,
            pool=self.pool,
            method=SYNCED_PASSKEY if passkey.backed_up else PASSKEY,
        )
        return self.page_url(stage_page(stage))


def passkey_offer_user(request, pool):
    """The user this browser registered in ``pool`` in the last ten minutes,
    while the passkey offer is open, or None."""
    offer = session_value(
        request.hosted_session,
        key=PASSKEY_OFFER_KEY,
        pool=pool,
        seconds=PASSKEY_OFFER_SECONDS,
    )
    if offer is None:
        return None
    user = pool.users.filter(pk=offer.get("user"), status="active").first()
    if user is not None:
        user.pool = pool
    return user


def _after_offer(pool, workspace) -> str:
    return pool.post_registration_url or reverse(
        "hosted:registered", args=[workspace.slug, pool.pk]
    )


class OfferPasskeyRegisterView(PasskeyRegisterEndpoint):
    """Right after a registration, in the browser that registered."""

    def subject(self):
        user = passkey_offer_user(self.request, self.pool)
        if user is None:
            raise error("passkey_challenge_invalid")
        return user

    def registered(self, user, passkey):
        self.request.hosted_session.pop(PASSKEY_OFFER_KEY, None)  # used once
        messages.success(
            self.request,
            _("Your passkey is added. Use it to sign in next time."),
        )
        return _after_offer(self.pool, self.workspace)


class PasskeyOfferView(PoolPageMixin, TemplateView):
    """ "Add a passkey" after a registration, before the pool's
    post-registration page ("Skip" goes there; POST, so the offer ends)."""

    template_name = "hosted/passkey_offer.html"

    def get(self, request, *args, **kwargs):
        if passkey_offer_user(request, self.pool) is None:
            return redirect(_after_offer(self.pool, self.workspace))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        request.hosted_session.pop(PASSKEY_OFFER_KEY, None)
        return redirect(_after_offer(self.pool, self.workspace))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next_url"] = _after_offer(self.pool, self.workspace)
        return context
