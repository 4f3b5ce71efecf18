"""The authenticator app on the account page: set it up (``AccountTotpView``)
and remove it (``AccountTotpRemoveView``). ``TotpSetupMixin`` is the set-up a
sign-in's forced enrolment shares (``accounts.hosted.enrol_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.views import ServiceFormView

from ...flows.security import (
    account_totp_add,
    account_totp_remove,
    totp_offered,
    totp_setup_forget,
    totp_setup_key,
    totp_setup_pending,
)
from ...hosted.forms import CodeForm, SecondFactorForm
from ...hosted.signed_in import RecentSignInMixin, SignedInPageMixin, secret_page
from ...models import TotpDevice
from .services import totp_manual_key, totp_qr_svg, totp_uri


def error_codes(exc: ValidationError) -> set[str]:
    """The codes of every error in ``exc`` (field errors too)."""
    errors = (
        [e for es in exc.error_dict.values() for e in es]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    return {e.code for e in errors}


def throttled_status(exc: ValidationError) -> int:
    slow = {"totp_throttled", "hosted_rate_limited"}
    return 429 if error_codes(exc) & slow else 200


class TotpSetupMixin:
    """The authenticator-app set-up, on the account page and at a sign-in's
    forced enrolment: a new key, kept in this browser's hosted session for ten
    minutes (``flows.security``), shown as a QR code (inline SVG) and as text;
    the form takes the first code. The view has ``self.workspace``,
    ``self.pool`` and ``self.user`` (who sets it up) and calls its service with
    ``self.totp_key()`` (None once expired)."""

    form_class = CodeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        key = totp_setup_key(
            self.request.hosted_session, pool=self.pool, user=self.user
        )
        first = (
            self.user.identifiers.order_by("id").values_list("value", flat=True).first()
        )
        uri = totp_uri(
            key=key, issuer=self.workspace.name, account=first or str(self.user.pk)
        )
        # segno's markup of our own URI: shapes only, no text of anyone's.
        context["totp_qr"] = mark_safe(totp_qr_svg(uri))  # noqa: S308
        context["totp_manual_key"] = totp_manual_key(key)
        return context

    def totp_key(self) -> str | None:
        return totp_setup_pending(
            self.request.hosted_session, pool=self.pool, user=self.user
        )

    def totp_done(self) -> None:
        totp_setup_forget(self.request.hosted_session)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        add_never_cache_headers(response)  # the key is a secret
        return response


class AccountTotpView(TotpSetupMixin, RecentSignInMixin, ServiceFormView):
    """Set up an authenticator app (while the pool uses them; one per user)."""

    template_name = "hosted/account_totp.html"

    def pool_page_open(self) -> bool:
        super().pool_page_open()
        return totp_offered(self.pool)

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None:
            return "sign_in"
        if TotpDevice.objects.filter(user=self.user).exists():
            messages.info(
                self.request,
                _(
                    "You already have an authenticator app. Remove it first to set "
                    "up another one."
                ),
            )
            return "account"
        return super().pool_page_elsewhere()

    def perform(self, form):
        return account_totp_add(
            user=self.user, key=self.totp_key(), code=form.cleaned_data["code"]
        )

    def done(self, codes):
        self.totp_done()
        if codes:
            return secret_page(
                self.request,
                "hosted/account_recovery_codes.html",
                {
                    "workspace": self.workspace,
                    "pool": self.pool,
                    "codes": codes,
                    "title": _("Your authenticator app is set up"),
                },
            )
        messages.success(self.request, _("Your authenticator app is set up."))
        return redirect(self.page_url("account"))


class AccountTotpRemoveView(SignedInPageMixin, ServiceFormView):
    """Remove the authenticator app: a current code from it (or a recovery code,
    for a lost phone) proves it is the user, not only their session."""

    template_name = "hosted/account_totp_remove.html"
    form_class = SecondFactorForm
    error_status = staticmethod(throttled_status)

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None:
            return "sign_in"
        if not TotpDevice.objects.filter(user=self.user).exists():
            return "account"
        return None

    def perform(self, form):
        return account_totp_remove(user=self.user, code=form.cleaned_data["code"])

    def done(self, proof):
        messages.success(self.request, _("Your authenticator app is removed."))
        return redirect(self.page_url("account"))
