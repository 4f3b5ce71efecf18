"""The signed-in end user's pages: the account page, their user data,
sign-out (their addresses and other sessions: ``account_access_views``; what
signed-in pages share: ``signed_in``; each authenticator's own pages: the
``views`` of its package in ``accounts.authenticators``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.models import AuditEvent
from core.views import ServiceFormView
from identity_pools.policies.sign_in import sign_in_policy_for
from identity_pools.user_schemas.forms import SchemaDataForm

from ..authenticators.recovery.services import recovery_codes_left
from ..flows.profile import account_data_document, account_update_data
from ..flows.security import totp_offered
from ..flows.sign_in_state import (
    authorize_pending,
    session_sign_out,
    signed_in_sso,
)
from ..models import Passkey, TotpDevice
from ..session_words import browser_in_words, method_in_words
from ..sso import user_sso_sessions
from .account_page import account_page
from .signed_in import SignedInPageMixin
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


class SignOutView(PoolPageMixin, View):
    """POST only: ends this browser's hosted session."""

    def post(self, request, *args, **kwargs):
        session_sign_out(request.hosted_session)
        messages.success(request, _("You are signed out."))
        return redirect(self.page_url("sign_in"))
