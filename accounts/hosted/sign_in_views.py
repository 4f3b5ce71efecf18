"""Hosted sign-in: the identifier, the password, a new password when the old
one must change; "Forgot password?". (Codes, the authenticator app and the
second factor: ``mfa_views``; passkeys: ``passkey_views``.)"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.catalogue import field_error
from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.policies.sign_in import sign_in_policy_for

from ..flows.pipeline import FIRST_FACTOR, IDENTIFIER, SIGNED_IN
from ..flows.reset import SESSION_KEY as RESET_KEY
from ..flows.reset import Pending as ResetPending
from ..flows.reset import reset_finish, reset_start
from ..flows.sign_in import (
    Outcome,
    first_factor_methods,
    sign_in_change_password,
    sign_in_code_send,
    sign_in_identify,
    sign_in_password,
)
from ..flows.sign_in_state import (
    attempt_code_sent,
    attempt_of,
    authorize_pending,
    change_pending,
    session_sign_in,
    sign_in_begin,
    signed_in_user,
)
from .forms import (
    IdentifierForm,
    NewPasswordForm,
    PasswordForm,
    ResetForm,
    SignInForm,
)
from .steps import CODE_METHODS, SignInStepMixin, first_factor_done, stage_page
from .views import PoolPageMixin, code_try_count


class SignInView(PoolPageMixin, ServiceFormView):
    """Step 1: the identifier. Any well-formed one goes on to the preferred
    method. With the pool's ``password_on_first_page``, the password is asked
    here too: typed, it signs in in this one request (the password step's
    checks, blocks and answers); left empty, the other methods follow."""

    template_name = "hosted/sign_in.html"

    def password_here(self) -> bool:
        policy = sign_in_policy_for(self.pool)
        return policy.password_on_first_page and policy.password_enabled

    def get_form_class(self):
        return SignInForm if self.password_here() else IdentifierForm

    def get(self, request, *args, **kwargs):
        waiting = authorize_pending(request.hosted_session, workspace=self.workspace)
        reauthenticate = bool(waiting and waiting.get("login"))  # prompt=login
        if not reauthenticate and signed_in_user(
            request.hosted_session, pool=self.pool, seconds=settings.HOSTED_SESSION_AGE
        ):
            return redirect(self.page_url(stage_page(SIGNED_IN)))
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        # An application's login_hint pre-fills the identifier.
        hint = self.request.GET.get("login_hint", "")
        if hint and len(hint) <= 254 and "\x00" not in hint:
            return {"identifier": hint}
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.password_here():
            policy = sign_in_policy_for(self.pool)
            context["password_here"] = True
            context["reset_open"] = policy.self_service_reset
            context["other_methods"] = len(policy.first_factors()) > 1
        return context

    def error_status(self, exc):
        return 429 if getattr(exc, "code", None) == "sign_in_blocked" else 200

    def perform(self, form):
        identifier = sign_in_identify(raw=form.cleaned_data["identifier"])
        methods = first_factor_methods(self.pool, identifier)
        if not methods:
            raise field_error("identifier", "sign_in_method_unavailable")
        if self.password_here():
            password = form.cleaned_data.get("password", "")
            if password and "password" in methods:
                sign_in_begin(
                    self.request.hosted_session, pool=self.pool, identifier=identifier
                )
                return sign_in_password(
                    pool=self.pool,
                    identifier=identifier,
                    password=password,
                    ip=client_ip(self.request),
                )
            methods = [m for m in methods if m != "password"]
            if not methods:
                raise field_error("password", "sign_in_password_missing")
        session = self.request.hosted_session
        state = sign_in_begin(session, pool=self.pool, identifier=identifier)
        if methods[0] in CODE_METHODS:
            sign_in_code_send(
                pool=self.pool,
                identifier=identifier,
                attempt=state["attempt"],
                ip=client_ip(self.request),
            )
            attempt_code_sent(session, state, method=methods[0])
        return methods[0]

    def done(self, result):
        if isinstance(result, Outcome):  # signed in with the password typed here
            return first_factor_done(self, result, method="password")
        # The first factor's page answers here (its form posts to its own URL).
        return self.answer_with_page(stage_page(FIRST_FACTOR, method=result))


class SignInPasswordView(SignInStepMixin, ServiceFormView):
    """Step 2: the password."""

    template_name = "hosted/sign_in_password.html"
    form_class = PasswordForm
    method = "password"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reset_open"] = sign_in_policy_for(self.pool).self_service_reset
        return context

    def error_status(self, exc):
        return 429 if exc.code == "sign_in_blocked" else 200

    def perform(self, form):
        return sign_in_password(
            pool=self.pool,
            identifier=self.pending["identifier"],
            password=form.cleaned_data["password"],
            ip=client_ip(self.request),
        )

    def done(self, outcome):
        return self.first_factor_passed(outcome)


class SignInChangePasswordView(PoolPageMixin, ServiceFormView):
    """The password must change (operator's request or expiry) before sign-in."""

    template_name = "hosted/sign_in_change_password.html"
    form_class = NewPasswordForm
    service_fields = {"password": "password1"}

    def pool_page_open(self) -> bool:
        pending = change_pending(self.request.hosted_session, pool=self.pool)
        self.method = (pending or {}).get("method", "password")
        self.user = (
            self.pool.users.filter(pk=pending["user"], status="active").first()
            if pending
            else None
        )
        return True

    def pool_page_elsewhere(self) -> str | None:
        return stage_page(IDENTIFIER) if self.user is None else None

    form_kwargs_from_view = ("pool",)

    def perform(self, form):
        return sign_in_change_password(
            user=self.user,
            password=form.cleaned_data["password1"],
            method=self.method,
        )

    def done(self, user):
        session_sign_in(
            self.request.hosted_session, pool=self.pool, user=user, method=self.method
        )
        messages.success(self.request, _("Your new password is set."))
        return redirect(self.page_url(stage_page(SIGNED_IN)))


class ResetPageMixin(PoolPageMixin):
    def pool_page_open(self) -> bool:
        return sign_in_policy_for(self.pool).self_service_reset


class ResetStartView(ResetPageMixin, ServiceFormView):
    """ "Forgot password?": the identifier; a code goes to it when it is a
    verified address of an active user (the same answer when it is not)."""

    template_name = "hosted/reset_start.html"
    form_class = IdentifierForm

    def get_initial(self):
        pending = attempt_of(self.request.hosted_session, pool=self.pool)
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
        code_try_count(self.request)
        identifier = sign_in_identify(raw=form.cleaned_data["identifier"])
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
        return redirect(self.page_url("sign_in"))
