"""The account page's "Applications with access" (a section of
``accounts.hosted.account_page``): the applications holding the signed-in
user's live tokens, and "Remove access"."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from accounts.hosted.signed_in import SignedInPageMixin

from .user_access import account_application_remove, user_applications


def applications_context(view) -> dict:
    """The section's list: the applications holding the user's tokens (one
    query)."""
    return {"applications": user_applications(user=view.user, limit=20)}


class AccountApplicationRemoveView(SignedInPageMixin, View):
    """POST ``application`` (one listed under "Applications with access"): its
    tokens of this user stop working and its consent is forgotten."""

    def post(self, request, *args, **kwargs):
        name = account_application_remove(
            user=self.user, application_id=request.POST.get("application", "")[:40]
        )
        if name is None:
            messages.error(request, _("That application had no access."))
        else:
            messages.success(
                request,
                _("%(name)s no longer has access to your account.") % {"name": name},
            )
        return redirect(self.page_url("account") + "#applications")

    def get(self, request, *args, **kwargs):
        return redirect(self.page_url("account") + "#applications")
