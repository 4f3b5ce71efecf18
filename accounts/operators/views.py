"""Console sign-in (with the TOTP second factor), sign-out, password and 2FA
settings, and a workspace invitation's page (join, or sign up and join)."""

from __future__ import annotations

import base64
import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import ratelimit
from core.catalogue import message
from core.request import client_ip
from core.views import ServiceFormView
from workspaces.services import invitation_accept, invitation_find

from ..authenticators.totp.services import totp_qr_svg
from . import services
from .forms import (
    InvitationAcceptForm,
    OTPCodeForm,
    PasswordChangeForm,
    SignInForm,
    TOTPDisableForm,
)

PENDING_KEY = "accounts_pending_second_factor"
PENDING_SECONDS = 5 * 60


def _safe_next(request, default: str = "/console/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class SignInView(FormView):
    template_name = "accounts/login.html"
    form_class = SignInForm

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(_safe_next(request))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _safe_next(self.request, default="")
        return context

    def form_valid(self, form):
        try:
            operator = services.operator_sign_in_check(
                request=self.request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(self.request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 429 if exc.code == "rate_limited" else 200
            return self.render_to_response(
                self.get_context_data(form=form), status=status
            )
        if services.operator_has_totp(operator):
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "operator": str(operator.pk),
                "at": time.time(),
                "next": _safe_next(self.request),
            }
            return redirect("accounts:login_verify")
        services.operator_session_start(
            request=self.request, operator=operator, factor="password"
        )
        return redirect(_safe_next(self.request))


class SignInVerifyView(FormView):
    """Second step of sign-in for operators with an authenticator app."""

    template_name = "accounts/login_verify.html"
    form_class = OTPCodeForm

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(PENDING_KEY)
        self.operator = None
        if pending and time.time() - pending["at"] <= PENDING_SECONDS:
            self.operator = (
                get_user_model()
                .objects.filter(pk=pending["operator"], is_active=True)
                .first()
            )
        if self.operator is None:
            request.session.pop(PENDING_KEY, None)
            if request.method == "POST" or pending:
                messages.error(request, message("second_factor_expired"))
            return redirect("accounts:login")
        self.next_url = pending.get("next") or "/console/"
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            device = services.operator_verify_totp(
                operator=self.operator,
                code=form.cleaned_data["code"],
                ip=client_ip(self.request),
            )
        except ValidationError as exc:
            form.add_error("code", exc)
            status = 429 if exc.code in ("rate_limited", "totp_throttled") else 200
            return self.render_to_response(
                self.get_context_data(form=form), status=status
            )
        self.request.session.pop(PENDING_KEY, None)
        services.operator_session_start(
            request=self.request,
            operator=self.operator,
            factor="password+totp",
            device=device,
        )
        return redirect(self.next_url)


class SignOutView(View):
    """Sign-out is a POST (a link could be triggered by another site)."""

    def post(self, request):
        logout(request)
        messages.success(request, _("You are signed out."))
        return redirect("accounts:login")


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["ip"] = client_ip(self.request)
        return kwargs

    def form_invalid(self, form):
        return self.render_to_response(
            self.get_context_data(form=form), status=429 if form.rate_limited else 200
        )

    def form_valid(self, form):
        services.operator_change_password(
            operator=self.request.user, new_password=form.cleaned_data["new_password1"]
        )
        # Keep this session; every other session of the operator ends.
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return redirect("accounts:password_change")


class TwoFactorView(LoginRequiredMixin, TemplateView):
    """Shows whether the authenticator app is on; starts enrolment; turns it off."""

    template_name = "accounts/two_factor.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["enabled"] = services.operator_has_totp(self.request.user)
        context["disable_form"] = kwargs.get("disable_form") or TOTPDisableForm(
            user=self.request.user
        )
        return context

    def post(self, request):
        if request.POST.get("action") == "disable":
            form = TOTPDisableForm(
                request.POST, user=request.user, ip=client_ip(request)
            )
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(disable_form=form),
                    status=429 if form.rate_limited else 200,
                )
            services.totp_disable(operator=request.user)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two_factor")
        services.totp_enrolment_start(operator=request.user)
        return redirect("accounts:two_factor_setup")


class TwoFactorSetupView(LoginRequiredMixin, FormView):
    """Scan the QR code, then prove it with a code."""

    template_name = "accounts/two_factor_setup.html"
    form_class = OTPCodeForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False
        ).first()
        if self.device is None:
            return redirect("accounts:two_factor")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        url = self.device.config_url
        # segno renders an SVG element (no inline script or style), which the CSP allows.
        context["qr_svg"] = mark_safe(totp_qr_svg(url))  # noqa: S308 - segno's own SVG
        secret = self.device.bin_key

        context["secret"] = base64.b32encode(secret).decode().rstrip("=")
        return context

    def form_valid(self, form):
        try:
            device = services.totp_enrolment_confirm(
                operator=self.request.user,
                device=self.device,
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            form.add_error("code", exc)
            return self.form_invalid(form)
        otp_login(self.request, device)
        messages.success(
            self.request,
            _(
                "Two-factor authentication is on. You will enter a code at every sign-in."
            ),
        )
        return redirect("accounts:two_factor")


class InvitationAcceptView(ServiceFormView):
    """Public page of a workspace invitation's link. A signed-in operator with
    the invited email joins at once (``workspaces.services.invitation_accept``);
    someone without an account chooses a password and signs up
    (``services.operator_create_invited``)."""

    template_name = "accounts/invitation_accept.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        # Tokens have 256 bits, but guessing is still rate-limited per address.
        limit = ratelimit.Limit(f"invitation:address:{client_ip(request)}", 30, 3600)
        if ratelimit.is_limited(limit):
            return render(
                request,
                "accounts/invitation_accept.html",
                {"limited": True},
                status=429,
            )
        self.invitation = invitation_find(token=kwargs["token"])
        if self.invitation is None:
            ratelimit.hit(limit)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["email"] = self.invitation.email if self.invitation else ""
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        context["account_exists"] = bool(
            self.invitation and _operator_exists(self.invitation.email)
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.invitation is None:
            return self.render_to_response(self.get_context_data())
        if request.user.is_authenticated:
            try:
                membership = invitation_accept(
                    token=kwargs["token"], operator=request.user
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(request.path)
            messages.success(request, _("You joined %s.") % membership.workspace.name)
            return redirect(
                "workspaces:workspace_dashboard", workspace=membership.workspace.slug
            )
        return super().post(request, *args, **kwargs)

    service_fields = {"password": "password1"}

    def perform(self, form):
        return services.operator_create_invited(
            token=self.kwargs["token"], password=form.cleaned_data["password1"]
        )

    def done(self, membership):
        login(
            self.request,
            membership.operator,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        messages.success(self.request, _("Welcome to %s.") % membership.workspace.name)
        return redirect(
            reverse("workspaces:workspace_dashboard", args=[membership.workspace.slug])
        )


def _operator_exists(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()
