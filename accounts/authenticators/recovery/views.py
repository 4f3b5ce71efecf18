"""The account page's "Make new recovery codes" (``AccountRecoveryCodesView``):
a confirmation, then the new codes once, with the text of the file that keeps
them (``accounts.hosted.signed_in.secret_page``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ...flows.security import account_recovery_codes_regenerate, has_enrolled_factor
from ...hosted.signed_in import RecentSignInMixin, secret_page
from .services import recovery_codes_left


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
