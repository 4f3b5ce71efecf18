"""The account's passkeys: the page that lists, renames and removes them
(``AccountPasskeysView``) and the JSON endpoints that register one from it
(``AccountPasskeyRegisterView``, on the hosted pages' ceremony endpoints,
``accounts.hosted.passkey_views``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.catalogue import error
from identity_pools.policies.sign_in import sign_in_policy_for

from ...flows.account import account_recently_confirmed
from ...flows.security import account_passkey_remove
from ...flows.sign_in_state import signed_in_user
from ...hosted.passkey_views import PasskeyRegisterEndpoint
from ...hosted.signed_in import RecentSignInMixin
from ..recovery.services import recovery_codes_left
from .services import passkey_list, passkey_of, passkey_rename


class AccountPasskeyRegisterView(PasskeyRegisterEndpoint):
    """From the account page, by the signed-in user."""

    def subject(self):
        user = signed_in_user(
            self.request.hosted_session,
            pool=self.pool,
            seconds=settings.HOSTED_SESSION_AGE,
        )
        if user is None:
            raise error("passkey_challenge_invalid")
        if not account_recently_confirmed(self.request.hosted_session):
            raise error("reauthentication_needed")
        return user

    def registered(self, user, passkey):
        added = _("Your passkey “%s” is added.") % passkey.name
        if self.policy().second_factors() and not recovery_codes_left(user=user):
            # A first second factor: recovery codes for when it is out of reach.
            messages.success(
                self.request,
                f"{added} "
                + _("Now make recovery codes, for when it is out of reach."),
            )
            return self.page_url("account_recovery_codes")
        messages.success(self.request, added)
        return self.page_url("account_passkeys")


class AccountPasskeysView(RecentSignInMixin, TemplateView):
    """The signed-in user's passkeys: add, rename, remove (``?remove=<id>``
    asks first). Open while the pool uses passkeys, or the user still has some
    (to remove them)."""

    template_name = "hosted/account_passkeys.html"

    def pool_page_open(self) -> bool:
        super().pool_page_open()
        self.policy = sign_in_policy_for(self.pool)
        return (
            self.user is None
            or self.policy.passkeys_usable()
            or self.user.passkeys.exists()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["passkeys"] = passkey_list(user=self.user)
        context["can_add"] = self.policy.passkeys_usable()
        context["removing"] = passkey_of(
            user=self.user, passkey_id=self.request.GET.get("remove", "")
        )
        return context

    def post(self, request, *args, **kwargs):
        passkey = passkey_of(user=self.user, passkey_id=request.POST.get("passkey"))
        if passkey is None:
            raise Http404("No such passkey.")
        action = request.POST.get("action")
        try:
            if action == "rename":
                passkey_rename(
                    user=self.user, passkey=passkey, name=request.POST.get("name", "")
                )
                messages.success(request, _("The passkey is renamed."))
            elif action == "remove":
                account_passkey_remove(user=self.user, passkey=passkey)
                messages.success(
                    request,
                    _("The passkey “%s” is removed. It no longer signs you in.")
                    % passkey.name,
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(self.page_url("account_passkeys"))
