"""What the hosted sign-in steps share: the page of each stage of the sign-in
(``stage_page``, the one place a stage of ``flows.pipeline`` meets a page),
the sign-in waiting in this browser, the alternatives to offer, and where a
passed first factor leads."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

from ..flows.mfa import DEVICE_COOKIE, device_remember, sign_in_after_first
from ..flows.pipeline import (
    ENROLLED,
    ENROLMENT,
    FIRST_FACTOR,
    IDENTIFIER,
    MUST_CHANGE,
    RECENT_SIGN_IN,
    SECOND_FACTOR,
    SIGNED_IN,
    Stage,
)
from ..flows.sign_in import first_factor_methods
from ..flows.sign_in_state import attempt_of
from .views import PoolPageMixin

# The page of each stage of the sign-in (the first factor's: its method's).
STAGE_PAGES = {
    IDENTIFIER.name: "sign_in",
    SECOND_FACTOR.name: "sign_in_second",
    ENROLMENT.name: "sign_in_enrol",
    ENROLLED.name: "sign_in_enrolled",
    MUST_CHANGE.name: "sign_in_change_password",
    RECENT_SIGN_IN.name: "account_confirm",
    SIGNED_IN.name: "account",
}
# The page of each first-factor method.
METHOD_PAGES = {
    "password": "sign_in_password",
    "email_code": "sign_in_code",
    "sms_code": "sign_in_code",
    "totp": "sign_in_app",
    "passkey": "sign_in_passkey",
}
CODE_METHODS = ("email_code", "sms_code")
METHOD_LABELS = {
    "password": "Use your password",
    "email_code": "Email me a code",
    "sms_code": "Text me a code",
    "totp": "Use your authenticator app",
    "passkey": "Use a passkey",
}


def stage_page(stage: Stage, *, method: str = "") -> str:
    """The hosted page (its URL name) of ``stage``; the first factor's is the
    page of ``method``."""
    if stage is FIRST_FACTOR:
        return METHOD_PAGES[method]
    return STAGE_PAGES[stage.name]


class SignInStepMixin(PoolPageMixin):
    """A first-factor page of the sign-in started in this browser
    (``self.pending``: its state); without one, back to the identifier. The
    view's ``method`` must be enabled for the identifier typed."""

    method: str = ""

    def pool_page_open(self) -> bool:
        self.pending = attempt_of(
            self.request.hosted_session, pool=self.pool, stages=(FIRST_FACTOR,)
        )
        return True

    def pool_page_elsewhere(self) -> str | None:
        if self.pending is None:
            return stage_page(IDENTIFIER)
        self.methods = first_factor_methods(self.pool, self.pending["identifier"])
        if self.method_of_page() not in self.methods:
            return stage_page(IDENTIFIER)
        return None

    def method_of_page(self) -> str:
        return self.method

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identifier"] = self.pending["identifier"]
        context["alternatives"] = [
            {
                "method": m,
                "label": METHOD_LABELS[m],
                "url": self.page_url(METHOD_PAGES[m]),
                "send": m in CODE_METHODS,
            }
            for m in self.methods
            if m != self.method_of_page()
        ]
        return context

    def first_factor_passed(self, outcome, *, method: str | None = None):
        return first_factor_done(self, outcome, method=method or self.method_of_page())


def first_factor_done(view, outcome, *, method: str):
    """Where a passed first factor leads (the second factor, a forced
    enrolment, a password change, or the account page, signed in): the
    redirect of ``view``, a pool page."""
    stage = sign_in_after_first(
        view.request.hosted_session,
        pool=view.pool,
        user=outcome.user,
        method=method,
        must_change=outcome.must_change,
        device_token=view.request.COOKIES.get(DEVICE_COOKIE),
        had_failures=outcome.had_failures,
    )
    return redirect(view.page_url(stage_page(stage)))


def remember_this_device(response, *, user, days: int):
    """Let this browser skip ``user``'s second factor for ``days`` (the pool's
    "remember this device"): a new token in an HttpOnly cookie on the hosted
    pages' path. Returns ``response``."""
    response.set_cookie(
        DEVICE_COOKIE,
        device_remember(user=user, days=days),
        max_age=days * 24 * 3600,
        path="/w/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
