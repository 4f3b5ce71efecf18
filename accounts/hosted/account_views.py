"""The signed-in end user's pages: the account page, password change, sign-out
(and, per feature, their authenticators and user data)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.models import AuditEvent
from core.request import client_ip
from core.views import ServiceFormView

from ..flows.account import account_change_password
from ..flows.signin import session_sign_in, signed_in_user
from .forms import AccountPasswordForm
from .views import PoolPageMixin


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


POOL = "<slug:workspace>/pools/<uuid:pool>/"

urlpatterns = [
    path(POOL + "account/", AccountView.as_view(), name="account"),
    path(
        POOL + "account/password/",
        AccountPasswordView.as_view(),
        name="account_password",
    ),
    path(POOL + "signout/", SignOutView.as_view(), name="signout"),
]
