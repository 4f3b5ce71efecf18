"""The account page's password change (``AccountPasswordView``): the current
password first, then the new one under the pool's policy; the other sessions
end and this one carries on."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.request import client_ip
from core.views import ServiceFormView

from ...flows.account import account_change_password
from ...flows.sign_in_state import session_sign_in
from ...hosted.forms import AccountPasswordForm
from ...hosted.signed_in import SignedInPageMixin


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
