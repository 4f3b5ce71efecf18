"""Hosted pages of end users (registration today; sign-in and the account page
arrive with the sign-in issue)."""

from __future__ import annotations

import copy
from functools import lru_cache

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, resolve, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core import ratelimit
from core.catalogue import error, message, wait_words
from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.policies.sign_in import sign_in_policy_for

from ..flows.invitation import invitation_accept, invitation_lookup
from ..flows.pending import session_start
from ..flows.signup import (
    SESSION_KEY,
    Pending,
    signup_resend,
    signup_start,
    signup_verify,
)
from .access import hosted_pool, hosted_workspace
from .forms import CodeForm, InvitationRegisterForm, SignUpForm

# Link tokens have 256 bits; guessing is still limited per client address.
TOKEN_GUESSES = (30, 3600)
# Sign-ups and code entries per client address per hour (each code also dies after
# its own tries).
SIGN_UPS = (20, 3600)
CODE_TRIES = (60, 3600)


def code_try_count(request) -> None:
    """Count one code entered from this client address (sign-up, reset, an
    added address: one budget, CODE_TRIES). Raises ValidationError
    ``hosted_rate_limited`` past it."""
    limit = ratelimit.Limit(f"hosted:code:{client_ip(request)}", *CODE_TRIES)
    if ratelimit.hit(limit) > limit.max_events:
        raise error(
            "hosted_rate_limited", wait=wait_words(ratelimit.retry_after(limit))
        )


class HostedMixin(View):
    """Resolves ``self.workspace`` from the URL (public, by slug) and brands the
    page with it."""

    def dispatch(self, request, *args, **kwargs):
        self.workspace = hosted_workspace(slug=kwargs["workspace"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace"] = self.workspace
        return context


def link_no_longer_works(request, workspace, *, status: int = 404):
    """The one page for an expired, used, replaced or unknown link."""
    return render(
        request,
        "hosted/link_invalid.html",
        {"workspace": workspace, "text": message("invitation_link_invalid")},
        status=status,
    )


# The passkey offered right after a registration: {"pool", "user", "at"} in the
# hosted session of the browser that registered, for ten minutes, used once
# (``passkey_views``).
PASSKEY_OFFER_KEY = "passkey_offer"
PASSKEY_OFFER_SECONDS = 10 * 60


def after_registration(request, workspace, user):
    """Where a registration ends: the pool's post-registration URL, else "You're
    all set". When the pool uses passkeys, this browser may add one to the new
    account first (on "You're all set", or on an offer page with "Skip" before
    the post-registration URL)."""
    pool = user.pool
    if sign_in_policy_for(pool).passkey_enabled and user.status == "active":
        session_start(
            request.hosted_session, key=PASSKEY_OFFER_KEY, pool=pool, user=str(user.pk)
        )
        if pool.post_registration_url:
            return redirect(
                reverse("hosted:passkey_offer", args=[workspace.slug, pool.pk])
            )
    if pool.post_registration_url:
        return redirect(pool.post_registration_url)
    return redirect(reverse("hosted:registered", args=[workspace.slug, pool.pk]))


class InvitationRegisterView(HostedMixin, ServiceFormView):
    """The invitation email's link: choose a password, complete the user data."""

    template_name = "hosted/invitation_register.html"
    form_class = InvitationRegisterForm

    # The token is in the address; the site-wide Referrer-Policy (same-origin)
    # never sends it to another site. (no-referrer would make browsers send
    # "Origin: null" with the form, which CSRF protection rightly refuses.)

    def dispatch(self, request, *args, **kwargs):
        self.workspace = hosted_workspace(slug=kwargs["workspace"])
        limit = ratelimit.Limit(f"hosted:link:{client_ip(request)}", *TOKEN_GUESSES)
        if ratelimit.is_limited(limit):
            return render(
                request,
                "hosted/link_invalid.html",
                {
                    "workspace": self.workspace,
                    "text": message(
                        "hosted_rate_limited",
                        wait=wait_words(ratelimit.retry_after(limit)),
                    ),
                },
                status=429,
            )
        self.code = invitation_lookup(workspace=self.workspace, token=kwargs["token"])
        if self.code is None:
            ratelimit.hit(limit)
            return link_no_longer_works(request, self.workspace)
        return super(HostedMixin, self).dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["code"] = self.code
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool"] = self.code.user.pool
        context["identifier"] = self.code.identifier
        return context

    def perform(self, form):
        return invitation_accept(
            workspace=self.workspace,
            token=self.kwargs["token"],
            password=form.cleaned_data["password1"],
            user_data=form.cleaned_data["user_data"],
        )

    def form_invalid(self, form):
        if any(
            e.code == "invitation_link_invalid"
            for e in form.non_field_errors().as_data()
        ):
            return link_no_longer_works(self.request, self.workspace)
        return super().form_invalid(form)

    service_fields = {"password": "password1"}

    def done(self, user):
        return after_registration(self.request, self.workspace, user)


class PoolPageMixin(HostedMixin):
    """A hosted page of one pool (``self.pool``, through the workspace)."""

    def dispatch(self, request, *args, **kwargs):
        if "pool" not in self.__dict__:  # else found already: ``answer_with_page``
            self.pool = hosted_pool(slug=kwargs["workspace"], pool_id=kwargs["pool"])
        self.workspace = self.pool.workspace
        if not self.pool_page_open():
            raise Http404("This page is not open.")
        elsewhere = self.pool_page_elsewhere()
        if elsewhere is not None:
            return redirect(self.page_url(elsewhere))
        return super(HostedMixin, self).dispatch(request, *args, **kwargs)

    def pool_page_open(self) -> bool:
        return True

    def pool_page_elsewhere(self) -> str | None:
        """The name of the pool's page to go to instead (a step not started in
        this browser, a visitor not signed in), or None."""
        return None

    def page_url(self, name: str) -> str:
        return pool_page_url(name, self.workspace.slug, self.pool.pk)

    def answer_with_page(self, name: str):
        """The pool's page ``name``, as its GET shows it, as the answer to this
        request: a step that leads to a page answers with it instead of a
        redirect to it, one round trip less (as Keycloak's sign-in steps do).
        Its forms post to its own URL, which the answer names in its
        ``Content-Location`` (RFC 9110: the page shown is that URL's)."""
        request = copy.copy(self.request)
        request.method = "GET"
        page = resolve(self.page_url(name)).func.view_class()
        page.setup(request, *self.args, **self.kwargs)
        page.pool = self.pool
        response = page.dispatch(request, *self.args, **self.kwargs)
        if response.status_code == 200:
            response["Content-Location"] = self.page_url(name)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool"] = self.pool
        context["sign_in_policy"] = sign_in_policy_for(self.pool)
        return context


def pool_page_url(name: str, slug: str, pool_id) -> str:
    """The path of the hosted page ``name`` of a pool, remembered per process
    (``reverse`` costs more than the rest of a redirect)."""
    return _pool_page_url(name, slug, pool_id, get_script_prefix())


@lru_cache(maxsize=4096)
def _pool_page_url(name: str, slug: str, pool_id, prefix: str) -> str:
    return reverse(f"hosted:{name}", args=[slug, pool_id])  # under ``prefix``


class RegisteredView(PoolPageMixin, TemplateView):
    """ "You're all set": where a registration ends when the pool names no page."""

    template_name = "hosted/registered.html"


class SignUpView(PoolPageMixin, ServiceFormView):
    """Self-registration, while the pool allows it (404 otherwise)."""

    template_name = "hosted/signup.html"
    form_class = SignUpForm
    service_fields = {"password": "password1"}

    def pool_page_open(self) -> bool:
        return self.pool.self_registration_enabled

    form_kwargs_from_view = ("pool",)

    def perform(self, form):
        limit = ratelimit.Limit(f"hosted:signup:{client_ip(self.request)}", *SIGN_UPS)
        if ratelimit.hit(limit) > limit.max_events:
            raise error(
                "hosted_rate_limited",
                wait=wait_words(ratelimit.retry_after(limit)),
            )
        return signup_start(
            pool=self.pool,
            identifier=form.cleaned_data["identifier"],
            user_data=form.cleaned_data["user_data"],
            password=form.cleaned_data["password1"],
        )

    def done(self, pending):
        self.request.hosted_session[SESSION_KEY] = pending.to_session()
        return redirect(self.page_url("signup_verify"))


class SignUpVerifyView(PoolPageMixin, ServiceFormView):
    """ "Enter the code we sent": confirms the address; "Send a new code"."""

    template_name = "hosted/signup_verify.html"
    form_class = CodeForm

    def pool_page_open(self) -> bool:
        # The sign-up waiting for its code, from this browser's hosted session.
        self.pending = Pending.from_session(self.request.hosted_session, self.pool)
        return self.pool.self_registration_enabled

    def pool_page_elsewhere(self) -> str | None:
        return "signup" if self.pending is None else None

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "resend":
            try:
                pending = signup_resend(pool=self.pool, pending=self.pending)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                request.hosted_session[SESSION_KEY] = pending.to_session()
                messages.success(request, _("A new code is on its way."))
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending"] = self.pending
        return context

    def perform(self, form):
        code_try_count(self.request)
        return signup_verify(
            pool=self.pool, pending=self.pending, code=form.cleaned_data["code"]
        )

    def done(self, user):
        self.request.hosted_session.pop(SESSION_KEY, None)
        user.pool = self.pool
        return after_registration(self.request, self.workspace, user)
