"""Sign-in steps after the identifier other than the password: sign-in codes,
the authenticator app, the passkey page, and the second factor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.presence import second_factor_options
from ..flows.mfa import (
    sign_in_finish,
    sign_in_pending,
    sign_in_second,
    sign_in_second_send,
)
from ..flows.pipeline import FIRST_FACTOR, IDENTIFIER, SECOND_FACTOR
from ..flows.sign_in import sign_in_app, sign_in_code, sign_in_code_send
from ..flows.sign_in_state import attempt_code_sent, attempt_second_sent
from .forms import CodeForm, SecondFactorForm
from .steps import CODE_METHODS, SignInStepMixin, remember_this_device, stage_page
from .views import PoolPageMixin

SECOND_LABELS = {
    "totp": _("Use your authenticator app"),
    "passkey": _("Use a passkey"),
    "email_code": _("Email me a code"),
    "sms_code": _("Text me a code"),
    "recovery": _("Use a recovery code"),
}


def _blocked_status(exc) -> int:
    return 429 if exc.code in ("sign_in_blocked", "totp_throttled") else 200


class SignInCodeView(SignInStepMixin, ServiceFormView):
    """A code sent to the email address or mobile number typed."""

    template_name = "hosted/sign_in_code.html"
    form_class = CodeForm

    def method_of_page(self) -> str:
        return (
            "sms_code" if self.pending["identifier"].startswith("+") else "email_code"
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "send":
            return super().post(request, *args, **kwargs)
        try:
            sign_in_code_send(
                pool=self.pool,
                identifier=self.pending["identifier"],
                attempt=self.pending["attempt"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            attempt_code_sent(
                request.hosted_session, self.pending, method=self.method_of_page()
            )
        return redirect(
            self.page_url(stage_page(FIRST_FACTOR, method=self.method_of_page()))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sent"] = self.pending.get("sent") == self.method_of_page()
        return context

    error_status = staticmethod(_blocked_status)

    def perform(self, form):
        return sign_in_code(
            pool=self.pool,
            identifier=self.pending["identifier"],
            attempt=self.pending["attempt"],
            code=form.cleaned_data["code"],
            method=self.method_of_page(),
            ip=client_ip(self.request),
        )

    def done(self, outcome):
        return self.first_factor_passed(outcome)


class SignInAppView(SignInStepMixin, ServiceFormView):
    """A code from the user's authenticator app as the first factor."""

    template_name = "hosted/sign_in_app.html"
    form_class = CodeForm
    method = "totp"

    error_status = staticmethod(_blocked_status)

    def perform(self, form):
        return sign_in_app(
            pool=self.pool,
            identifier=self.pending["identifier"],
            code=form.cleaned_data["code"],
            ip=client_ip(self.request),
        )

    def done(self, outcome):
        return self.first_factor_passed(outcome)


class SignInPasskeyView(SignInStepMixin, TemplateView):
    """A passkey after the identifier (the ceremony runs in the page's script)."""

    template_name = "hosted/sign_in_passkey.html"
    method = "passkey"


class SignInSecondView(PoolPageMixin, ServiceFormView):
    """The second factor: the user's strongest method first (``?method=`` picks
    another they have)."""

    template_name = "hosted/sign_in_second.html"
    form_class = SecondFactorForm

    def pool_page_open(self) -> bool:
        pending = sign_in_pending(
            self.request.hosted_session, pool=self.pool, stages=(SECOND_FACTOR,)
        )
        self.state, self.user = pending or (None, None)
        if pending:
            self.policy = sign_in_policy_for(self.pool)
            self.options = second_factor_options(
                policy=self.policy, user=self.user, first=self.state["first"]
            )
            wanted = self.request.POST.get("method") or self.request.GET.get("method")
            first = self.options[0] if self.options else None  # none left: elsewhere
            self.method = wanted if wanted in self.options else first
        return True

    def pool_page_elsewhere(self) -> str | None:
        if self.state is None or not self.options:
            return stage_page(IDENTIFIER)
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["remember_days"] = self.policy.remember_device_days
        return kwargs

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "send":
            return super().post(request, *args, **kwargs)
        if self.method in CODE_METHODS:
            try:
                masked = sign_in_second_send(
                    pool=self.pool,
                    user=self.user,
                    method=self.method,
                    attempt=self.state["attempt"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                attempt_second_sent(
                    request.hosted_session, self.state, method=self.method, to=masked
                )
        page = self.page_url(stage_page(SECOND_FACTOR))
        return redirect(f"{page}?method={self.method}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["method"] = self.method
        context["code_methods"] = CODE_METHODS
        context["sent_to"] = (self.state.get("sent") or {}).get(self.method)
        context["others"] = [
            {"method": m, "label": SECOND_LABELS[m]}
            for m in self.options
            if m != self.method
        ]
        return context

    error_status = staticmethod(_blocked_status)

    def perform(self, form):
        sign_in_second(
            pool=self.pool,
            user=self.user,
            state=self.state,
            method=self.method,
            code=form.cleaned_data["code"],
            options=self.options,
            ip=client_ip(self.request),
        )
        return form.cleaned_data.get("remember")

    def done(self, remember):
        stage = sign_in_finish(
            self.request.hosted_session,
            pool=self.pool,
            user=self.user,
            method=f"{self.state['first']}+{self.method}",
            must_change=self.state.get("must_change", False),
        )
        response = redirect(self.page_url(stage_page(stage)))
        days = self.policy.remember_device_days
        if remember and days:
            remember_this_device(response, user=self.user, days=days)
        return response
