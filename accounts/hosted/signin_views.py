"""Hosted sign-in (identifier, then password; a new password first when the old
one must change), the account page and sign-out."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core import ratelimit
from core.catalogue import error
from core.models import AuditEvent
from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.sign_in_rules import sign_in_policy_for

from ..flows.account import account_change_password
from ..flows.reset import SESSION_KEY as RESET_KEY
from ..flows.reset import Pending as ResetPending
from ..flows.reset import reset_finish, reset_start
from ..flows.signin import (
    CHANGE_KEY,
    IDENTIFIER_KEY,
    session_sign_in,
    session_start,
    session_value,
    signed_in_user,
    signin_change_password,
    signin_identify,
    signin_password,
)
from .forms import NewPasswordFormMixin
from .views import PoolPageMixin


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Email/Mobile"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "autofocus": True}
        ),
    )


class NewPasswordForm(NewPasswordFormMixin, forms.Form):
    def __init__(self, *args, pool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_password_fields(pool)

    def clean(self):
        cleaned = super().clean()
        self.clean_password_match()
        return cleaned


class AccountPasswordForm(NewPasswordForm):
    """The current password, then the new one twice."""

    current_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SignInView(PoolPageMixin, ServiceFormView):
    """Step 1: the identifier. Any well-formed one goes on to the password."""

    template_name = "hosted/signin.html"
    form_class = IdentifierForm

    def get(self, request, *args, **kwargs):
        if signed_in_user(
            request.hosted_session, pool=self.pool, seconds=settings.HOSTED_SESSION_AGE
        ):
            return redirect(self.page_url("account"))
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        return signin_identify(raw=form.cleaned_data["identifier"])

    def done(self, identifier):
        session_start(
            self.request.hosted_session,
            key=IDENTIFIER_KEY,
            pool=self.pool,
            identifier=identifier,
        )
        return redirect(self.page_url("signin_password"))


class SignInPasswordView(PoolPageMixin, ServiceFormView):
    """Step 2: the password."""

    template_name = "hosted/signin_password.html"
    form_class = PasswordForm

    def pool_page_open(self) -> bool:
        self.pending = session_value(
            self.request.hosted_session, key=IDENTIFIER_KEY, pool=self.pool
        )
        return True

    def pool_page_elsewhere(self) -> str | None:
        return "signin" if self.pending is None else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identifier"] = self.pending["identifier"]
        context["reset_open"] = sign_in_policy_for(self.pool).self_service_reset
        return context

    def error_status(self, exc):
        return 429 if exc.code == "sign_in_blocked" else 200

    def perform(self, form):
        return signin_password(
            pool=self.pool,
            identifier=self.pending["identifier"],
            password=form.cleaned_data["password"],
            ip=client_ip(self.request),
        )

    def done(self, outcome):
        session = self.request.hosted_session
        if outcome.must_change:
            session.pop(IDENTIFIER_KEY, None)
            session_start(
                session, key=CHANGE_KEY, pool=self.pool, user=str(outcome.user.pk)
            )
            return redirect(self.page_url("signin_change_password"))
        session_sign_in(session, pool=self.pool, user=outcome.user)
        return redirect(self.page_url("account"))


class SignInChangePasswordView(PoolPageMixin, ServiceFormView):
    """The password must change (operator's request or expiry) before sign-in."""

    template_name = "hosted/signin_change_password.html"
    form_class = NewPasswordForm
    service_fields = {"password": "password1"}

    def pool_page_open(self) -> bool:
        pending = session_value(
            self.request.hosted_session, key=CHANGE_KEY, pool=self.pool
        )
        self.user = (
            self.pool.users.filter(pk=pending["user"], status="active").first()
            if pending
            else None
        )
        return True

    def pool_page_elsewhere(self) -> str | None:
        return "signin" if self.user is None else None

    form_kwargs_from_view = ("pool",)

    def perform(self, form):
        return signin_change_password(
            user=self.user, password=form.cleaned_data["password1"]
        )

    def done(self, user):
        session_sign_in(self.request.hosted_session, pool=self.pool, user=user)
        messages.success(self.request, _("Your new password is set."))
        return redirect(self.page_url("account"))


class SignedInPageMixin(PoolPageMixin):
    """A page for the signed-in pool user (``self.user``); others go to sign-in."""

    def pool_page_open(self) -> bool:
        self.user = signed_in_user(
            self.request.hosted_session,
            pool=self.pool,
            seconds=settings.HOSTED_SESSION_AGE,
        )
        return True

    def pool_page_elsewhere(self) -> str | None:
        return "signin" if self.user is None else None


class AccountView(SignedInPageMixin, TemplateView):
    """The signed-in user's page: who they are, how they sign in, recent
    sign-ins, sign out."""

    template_name = "hosted/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["account"] = self.user
        context["identifiers"] = list(self.user.identifiers.order_by("id"))
        context["sign_ins"] = list(
            AuditEvent.objects.for_workspace(self.workspace)
            .filter(
                target_type="identity_pools.pooluser",
                target_id=str(self.user.pk),
                action__in=["pool_user.signed_in", "pool_user.sign_in_failed"],
            )
            .order_by("-created_at", "-id")[:10]
        )
        return context


class AccountPasswordView(SignedInPageMixin, ServiceFormView):
    """Change the password from the account page (the current one first)."""

    template_name = "hosted/account_password.html"
    form_class = AccountPasswordForm
    service_fields = {"password": "password1"}

    form_kwargs_from_view = ("pool",)

    def perform(self, form):
        return account_change_password(
            user=self.user,
            current=form.cleaned_data["current_password"],
            password=form.cleaned_data["password1"],
            ip=client_ip(self.request),
        )

    def done(self, user):
        # Every other session ended; this one carries on under a new key.
        session_sign_in(self.request.hosted_session, pool=self.pool, user=user)
        messages.success(
            self.request,
            _("Your password is changed. Your other sessions were signed out."),
        )
        return redirect(self.page_url("account"))


class SignOutView(PoolPageMixin, View):
    """POST only: ends this browser's hosted session."""

    def post(self, request, *args, **kwargs):
        request.hosted_session.flush()
        messages.success(request, _("You are signed out."))
        return redirect(self.page_url("signin"))


class ResetForm(NewPasswordForm):
    identifier = forms.CharField(
        label=gettext_lazy("Email/Mobile"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    code = forms.RegexField(
        label=gettext_lazy("Code"),
        regex=r"^\s*\d{6,10}\s*$",
        max_length=16,
        error_messages={
            "invalid": gettext_lazy("Enter the digits of the code, e.g. 123456.")
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class ResetPageMixin(PoolPageMixin):
    def pool_page_open(self) -> bool:
        return sign_in_policy_for(self.pool).self_service_reset


class ResetStartView(ResetPageMixin, ServiceFormView):
    """ "Forgot password?": the identifier; a code goes to it when it is a
    verified address of an active user (the same answer when it is not)."""

    template_name = "hosted/reset_start.html"
    form_class = IdentifierForm

    def get_initial(self):
        pending = session_value(
            self.request.hosted_session, key=IDENTIFIER_KEY, pool=self.pool
        )
        return {"identifier": pending["identifier"]} if pending else {}

    def perform(self, form):
        return reset_start(pool=self.pool, identifier=form.cleaned_data["identifier"])

    def done(self, pending):
        self.request.hosted_session[RESET_KEY] = pending.to_session()
        return redirect(self.page_url("reset_finish"))


class ResetFinishView(ResetPageMixin, ServiceFormView):
    """The code and a new password (the pool's policy)."""

    template_name = "hosted/reset_finish.html"
    form_class = ResetForm
    service_fields = {"password": "password1"}

    form_kwargs_from_view = ("pool",)

    def get_initial(self):
        pending = ResetPending.from_session(self.request.hosted_session, self.pool)
        return {"identifier": pending.identifier} if pending else {}

    def perform(self, form):
        limit = ratelimit.Limit(f"hosted:code:{client_ip(self.request)}", 60, 3600)
        if ratelimit.hit(limit) > limit.max_events:
            raise error("hosted_rate_limited", minutes=60)
        identifier = signin_identify(raw=form.cleaned_data["identifier"])
        return reset_finish(
            pool=self.pool,
            pending=ResetPending(str(self.pool.pk), identifier, 0),
            code=form.cleaned_data["code"],
            password=form.cleaned_data["password1"],
        )

    def done(self, user):
        self.request.hosted_session.pop(RESET_KEY, None)
        messages.success(
            self.request, _("Your password is reset. Sign in with your new password.")
        )
        return redirect(self.page_url("signin"))
