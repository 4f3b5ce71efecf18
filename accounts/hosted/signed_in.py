"""What the signed-in end user's pages share: ``SignedInPageMixin`` (the
user, or off to sign in) and ``RecentSignInMixin`` (pages that add a way in to
the account need a recent sign-in), with "Confirm it's you"
(``AccountConfirmView``), which makes a session recent again; and
``secret_page``, which shows new recovery codes once (the account page's
authenticators and a sign-in's enrolment)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from core.request import client_ip
from core.views import ServiceFormView
from identity_pools.credentials import PasswordCredential

from ..authenticators.recovery.services import recovery_codes_text
from ..flows.account import account_confirm, account_recently_confirmed
from ..flows.pipeline import IDENTIFIER, SIGNED_IN, signed_in_stage
from ..flows.sign_in_state import (
    confirm_next_keep,
    confirm_next_take,
    session_sign_out,
    signed_in_user,
)
from .forms import AccountConfirmForm
from .steps import stage_page
from .views import PoolPageMixin


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
        return stage_page(IDENTIFIER) if self.user is None else None


# The pages "Confirm it's you" may send the user back to.
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
            return stage_page(IDENTIFIER)
        session = self.request.hosted_session
        stage = signed_in_stage(
            pool=self.pool, user=self.user, recent=account_recently_confirmed(session)
        )
        if stage is SIGNED_IN:
            return None
        confirm_next_keep(session, page=self.request.resolver_match.url_name)
        return stage_page(stage)


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
            return redirect(self.page_url(stage_page(IDENTIFIER)))
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        account_confirm(
            self.request.hosted_session,
            user=self.user,
            current=form.cleaned_data["current_password"],
            ip=client_ip(self.request),
        )

    def done(self, _result):
        name = confirm_next_take(self.request.hosted_session)
        if name not in CONFIRMED_PAGES:
            name = stage_page(SIGNED_IN)
        return redirect(self.page_url(name))
