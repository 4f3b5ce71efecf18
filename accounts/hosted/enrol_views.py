"""The forced enrolment of a sign-in: the pool requires a second factor and the
user has none, so after the first factor they set one up (an authenticator app
here, a passkey through ``passkey_views``) before the sign-in may finish.

Each page finds the sign-in waiting in this browser at its own stage
(``sign_in_pending``): ``ENROLMENT`` until a second factor is set up,
``ENROLLED`` after; nothing else finishes it, so the enrolment cannot be
skipped."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.catalogue import message
from core.views import ServiceFormView
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.totp.views import TotpSetupMixin
from ..flows.mfa import enrolled_method, sign_in_finish, sign_in_pending
from ..flows.pipeline import ENROLLED, ENROLMENT, IDENTIFIER, enrolment_options
from ..flows.security import (
    has_enrolled_factor,
    recovery_codes_first,
    sign_in_enrol_totp,
)
from ..models import Passkey
from .signed_in import secret_page
from .steps import stage_page
from .views import PoolPageMixin


class EnrolPageMixin(PoolPageMixin):
    """A page of the sign-in waiting at one of ``stages`` in this browser
    (``self.state``, ``self.user``); without one, back to the identifier."""

    stages = (ENROLMENT,)

    def pool_page_open(self) -> bool:
        pending = sign_in_pending(
            self.request.hosted_session, pool=self.pool, stages=self.stages
        )
        self.state, self.user = pending or (None, None)
        self.options = enrolment_options(sign_in_policy_for(self.pool))
        return True

    def pool_page_elsewhere(self) -> str | None:
        return stage_page(IDENTIFIER) if self.user is None else None


class SignInEnrolView(EnrolPageMixin, TemplateView):
    """ "Set up a second factor": what the pool offers (an app, a passkey), or
    why nothing can be set up."""

    template_name = "hosted/sign_in_enrol.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["options"] = self.options
        context["impossible"] = None if self.options else message("enrol_impossible")
        return context


class SignInEnrolAppView(TotpSetupMixin, EnrolPageMixin, ServiceFormView):
    """The authenticator-app set-up of the enrolment (the account page's)."""

    template_name = "hosted/sign_in_enrol_app.html"

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None:
            return stage_page(IDENTIFIER)
        return None if "totp" in self.options else stage_page(ENROLMENT)

    def perform(self, form):
        return sign_in_enrol_totp(
            self.request.hosted_session,
            pool=self.pool,
            user=self.user,
            key=self.totp_key(),
            code=form.cleaned_data["code"],
        )

    def done(self, codes):
        self.totp_done()
        return secret_page(
            self.request,
            "hosted/sign_in_enrolled.html",
            {
                "workspace": self.workspace,
                "pool": self.pool,
                "codes": codes,
                "title": _("Your authenticator app is set up"),
            },
        )


class SignInEnrolledView(EnrolPageMixin, TemplateView):
    """After the enrolment. GET (where a passkey enrolment lands): "Your passkey
    is set up", with recovery codes when the user has none (shown once). POST
    ("Continue"): the sign-in finishes (a new password first, when it must
    change)."""

    template_name = "hosted/sign_in_enrolled.html"
    stages = (ENROLLED,)

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None or not has_enrolled_factor(self.user):
            return stage_page(IDENTIFIER)
        return None

    def get(self, request, *args, **kwargs):
        passkey = Passkey.objects.filter(user=self.user).exists()
        return secret_page(
            request,
            self.template_name,
            {
                "workspace": self.workspace,
                "pool": self.pool,
                "codes": recovery_codes_first(user=self.user),
                "title": _("Your passkey is set up")
                if passkey
                else _("Your authenticator app is set up"),
            },
        )

    def post(self, request, *args, **kwargs):
        stage = sign_in_finish(
            request.hosted_session,
            pool=self.pool,
            user=self.user,
            method=enrolled_method(self.state),
            must_change=self.state.get("must_change", False),
        )
        return redirect(self.page_url(stage_page(stage)))
