"""The signed-in end user's pages: the account page, their user data, password
change, authenticator app, recovery codes, sign-out (their addresses and other
sessions: ``account_access_views``; what signed-in pages share:
``signed_in``). ``TotpSetupMixin`` is the app set-up the forced enrolment of
a sign-in shares (``enrol_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.models import AuditEvent
from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.policies.sign_in import sign_in_policy_for
from identity_pools.user_schemas.forms import SchemaDataForm

from ..authenticators.recovery import recovery_codes_left, recovery_codes_text
from ..authenticators.totp import totp_manual_key, totp_qr_svg, totp_uri
from ..flows.account import account_change_password
from ..flows.profile import account_data_document, account_update_data
from ..flows.security import (
    account_recovery_codes_regenerate,
    account_totp_add,
    account_totp_remove,
    has_enrolled_factor,
    totp_offered,
    totp_setup_forget,
    totp_setup_key,
    totp_setup_pending,
)
from ..flows.sign_in_state import (
    authorize_pending,
    session_sign_in,
    session_sign_out,
    signed_in_sso,
)
from ..models import Passkey, TotpDevice
from ..session_words import browser_in_words, method_in_words
from ..sso import user_sso_sessions
from .account_page import account_page
from .forms import (
    AccountPasswordForm,
    CodeForm,
    SecondFactorForm,
)
from .signed_in import RecentSignInMixin, SignedInPageMixin
from .views import PoolPageMixin


class AccountView(SignedInPageMixin, TemplateView):
    """The signed-in user's page: their details and identifiers, "Sign-in and
    security" (password, authenticator app, passkeys, recovery codes), where
    they are signed in, the sections of other apps (``account_page``), recent
    sign-ins, sign out."""

    template_name = "hosted/account.html"

    def get(self, request, *args, **kwargs):
        # Signed in for an application: back to its authorization request.
        pending = authorize_pending(request.hosted_session, workspace=self.workspace)
        if pending and pending.get("continue"):
            return redirect(pending["continue"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.user
        policy = sign_in_policy_for(self.pool)
        context["account"] = user
        context["identifiers"] = list(user.identifiers.order_by("id"))
        context["user_data"] = user_data_rows(self.pool, user.user_data)
        context["profile_editable"] = bool(
            account_data_document(self.pool)["properties"]
        )
        context["deletable"] = policy.self_service_delete
        context["totp_offered"] = totp_offered(self.pool)
        context["has_totp"] = TotpDevice.objects.filter(user=user).exists()
        context["passkeys_offered"] = policy.passkeys_usable()
        context["passkeys"] = list(
            Passkey.objects.filter(user=user).order_by("-created_at")
        )
        context["recovery_codes_left"] = (
            recovery_codes_left(user=user)
            if context["has_totp"] or context["passkeys"]
            else None
        )
        current = signed_in_sso(self.request.hosted_session)
        context["sso_sessions"] = [
            {
                "id": session.pk,
                "current": str(session.pk) == current,
                "browser": browser_in_words(session.user_agent),
                "method": method_in_words(session.method),
                "auth_time": session.auth_time,
                "ip": session.ip,
            }
            for session in user_sso_sessions(user=user, limit=20)
        ]
        context["account_sections"], added = account_page.render(self)
        context.update(added)
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


def user_data_rows(pool, data: dict) -> list[tuple[str, str]]:
    """(title, value) of each property of the pool's user-data schema that
    ``data`` has, in the schema's order, as people read them."""
    rows = []
    for name, prop in pool.user_schema.document.get("properties", {}).items():
        if name not in data or data[name] in (None, "", []):
            continue
        value = data[name]
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        title = prop.get("title") if isinstance(prop, dict) else None
        rows.append((str(title or name), str(value)))
    return rows


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


def secret_page(request, template: str, context: dict):
    """A page that shows secrets once (recovery codes, with the text of the file
    that keeps them): never cached."""
    if context.get("codes"):
        context["codes_text"] = recovery_codes_text(
            codes=context["codes"], workspace_name=context["workspace"].name
        )
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response


class AccountProfileView(SignedInPageMixin, ServiceFormView):
    """The user edits their own user data: the pool's schema's fields (not the
    read-only ones), checked and audited by the console's service."""

    template_name = "hosted/account_profile.html"
    form_class = SchemaDataForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["document"] = account_data_document(self.pool)
        kwargs["values"] = self.user.user_data
        return kwargs

    def perform(self, form):
        return account_update_data(
            user=self.user, user_data=form.cleaned_data["schema_data"]
        )

    def done(self, user):
        messages.success(self.request, _("Your details are saved."))
        return redirect(self.page_url("account"))


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


class AccountRecoveryCodesView(RecentSignInMixin, TemplateView):
    """ "Make new recovery codes": a confirmation, then the new codes, once (the
    old ones stop working). A way in too: it needs a recent sign-in."""

    template_name = "hosted/account_recovery_codes.html"

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None:
            return "sign_in"
        if not has_enrolled_factor(self.user):
            return "account"
        return super().pool_page_elsewhere()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["left"] = recovery_codes_left(user=self.user)
        context["account_url"] = self.page_url("account")
        return context

    def post(self, request, *args, **kwargs):
        try:
            codes = account_recovery_codes_regenerate(user=self.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.page_url("account"))
        return secret_page(
            request,
            self.template_name,
            {
                "workspace": self.workspace,
                "pool": self.pool,
                "codes": codes,
                "title": _("Your new recovery codes"),
            },
        )


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
        session_sign_out(request.hosted_session)
        messages.success(request, _("You are signed out."))
        return redirect(self.page_url("sign_in"))
