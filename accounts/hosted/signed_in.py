"""What the signed-in end user's pages share: ``SignedInPageMixin`` (the
user, or off to sign in) and ``RecentSignInMixin`` (pages that add a way in to
the account need a recent sign-in), with "Confirm it's you"
(``AccountConfirmView``), which makes a session recent again."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.credentials import PasswordCredential

from ..flows.account import account_confirm, account_recently_confirmed
from ..flows.signin import session_sign_out, signed_in_user
from .forms import AccountConfirmForm
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


# The pages "Confirm it's you" may send the user back to.
CONFIRM_NEXT_KEY = "confirm_next"
CONFIRMED_PAGES = (
    "account_delete",
    "account_identifier_add",
    "account_identifier_remove",
    "account_passkeys",
    "account_recovery_codes",
    "account_totp",
)


class RecentSignInMixin(SignedInPageMixin):
    """A page that adds a way in to the account (an address codes and resets
    go to, a passkey, an authenticator app, recovery codes), or deletes it: the sign-in, or a password
    confirmed, must be recent, else "Confirm it's you" first, which brings the
    user back here. A browser left signed in is not enough."""

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None:
            return "signin"
        if account_recently_confirmed(self.request.hosted_session):
            return None
        name = self.request.resolver_match.url_name
        self.request.hosted_session[CONFIRM_NEXT_KEY] = name
        return "account_confirm"


class AccountConfirmView(SignedInPageMixin, ServiceFormView):
    """ "Confirm it's you": the password (as a sign-in counts it), then back to
    the page that asked; a user without a password signs in again."""

    template_name = "hosted/account_confirm.html"
    form_class = AccountConfirmForm

    def has_password(self) -> bool:
        return PasswordCredential.objects.filter(user=self.user).exists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_password"] = self.has_password()
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "sign_in_again":
            session_sign_out(request.hosted_session)
            messages.info(request, _("Sign in again to go on."))
            return redirect(self.page_url("signin"))
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        account_confirm(
            self.request.hosted_session,
            user=self.user,
            current=form.cleaned_data["current_password"],
            ip=client_ip(self.request),
        )

    def done(self, _result):
        name = self.request.hosted_session.pop(CONFIRM_NEXT_KEY, None)
        return redirect(self.page_url(name if name in CONFIRMED_PAGES else "account"))
