"""The account page's addresses (add or verify one with a code, remove one),
"Where you're signed in" (sign other browsers out) and "Delete your account"
(where the pool allows it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from core.views import ServiceConfirmView, ServiceFormView
from identity_pools.access import identifier_access
from identity_pools.policies.sign_in import sign_in_policy_for

from ..flows import identifiers as own_identifiers
from ..flows.account import account_delete, account_sessions_end
from ..flows.sign_in_state import signed_in_sso
from .forms import AccountIdentifierForm, CodeForm
from .signed_in import RecentSignInMixin, SignedInPageMixin
from .views import code_try_count


class AccountIdentifierAddView(RecentSignInMixin, ServiceFormView):
    """ "Add an email address or mobile number" (or verify one of the user's):
    a code goes to it; ``AccountIdentifierVerifyView`` takes the code."""

    template_name = "hosted/account_identifier_add.html"
    form_class = AccountIdentifierForm

    def get_initial(self):
        # "Verify" next to one of the user's addresses comes with it.
        value = self.request.GET.get("identifier", "")
        return {"identifier": value} if 0 < len(value) <= 254 else {}

    def perform(self, form):
        return own_identifiers.identifier_add_start(
            user=self.user, raw=form.cleaned_data["identifier"]
        )

    def done(self, pending):
        self.request.hosted_session[own_identifiers.SESSION_KEY] = pending.to_session()
        return redirect(self.page_url("account_identifier_verify"))


class AccountIdentifierVerifyView(SignedInPageMixin, ServiceFormView):
    """ "Enter the code we sent" to the address being added; "Send a new
    code"."""

    template_name = "hosted/account_identifier_verify.html"
    form_class = CodeForm

    def pool_page_elsewhere(self) -> str | None:
        if self.user is None:
            return "sign_in"
        self.pending = own_identifiers.Pending.of(
            self.request.hosted_session, pool=self.pool, user=self.user
        )
        return "account_identifier_add" if self.pending is None else None

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") != "resend":
            return super().post(request, *args, **kwargs)
        try:
            pending = own_identifiers.identifier_add_start(
                user=self.user, raw=self.pending.identifier
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            request.hosted_session[own_identifiers.SESSION_KEY] = pending.to_session()
            messages.success(request, _("A new code is on its way."))
        return redirect(request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending"] = self.pending
        return context

    def perform(self, form):
        code_try_count(self.request)
        return own_identifiers.identifier_add_finish(
            user=self.user, pending=self.pending, code=form.cleaned_data["code"]
        )

    def done(self, identifier):
        self.request.hosted_session.pop(own_identifiers.SESSION_KEY, None)
        messages.success(
            self.request,
            _("%(identifier)s is verified: you can sign in with it.")
            % {"identifier": identifier.value},
        )
        return redirect(self.page_url("account"))


class AccountIdentifierRemoveView(RecentSignInMixin, ServiceConfirmView):
    """ "Remove <address>?" (``?identifier=`` its id), then POST."""

    template_name = "hosted/account_identifier_remove.html"

    def get(self, request, *args, **kwargs):
        try:
            found = identifier_access(
                user=self.user, identifier_id=request.GET.get("identifier", "")
            )
        except Http404:
            return redirect(self.page_url("account"))
        return self.render_to_response(
            self.get_context_data(identifier=found, cancel_url=self.page_url("account"))
        )

    def perform(self):
        return own_identifiers.identifier_remove_own(
            user=self.user, identifier_id=self.request.POST.get("identifier", "")
        )

    def done(self, identifier):
        messages.success(
            self.request,
            _("%(identifier)s is removed: you no longer sign in with it.")
            % {"identifier": identifier.value},
        )
        return redirect(self.page_url("account"))

    def refused_url(self) -> str:
        return self.page_url("account")


class AccountSessionsEndView(SignedInPageMixin, View):
    """POST ``session`` (one of the user's other sessions, or "others"): that
    browser is signed out and its applications' tokens stop working."""

    def post(self, request, *args, **kwargs):
        ended = account_sessions_end(
            user=self.user,
            current=signed_in_sso(request.hosted_session),
            which=request.POST.get("session", "")[:40],
        )
        if ended:
            messages.success(
                request,
                ngettext(
                    "%(count)d other session is signed out.",
                    "%(count)d other sessions are signed out.",
                    ended,
                )
                % {"count": ended},
            )
        else:
            messages.error(request, _("That session had already ended."))
        return redirect(self.page_url("account") + "#sessions")

    def get(self, request, *args, **kwargs):
        return redirect(self.page_url("account") + "#sessions")


class AccountDeleteView(RecentSignInMixin, ServiceConfirmView):
    """ "Delete your account?", then POST: the user and everything of theirs
    go (only where the pool's sign-in settings allow it)."""

    template_name = "hosted/account_delete.html"

    def pool_page_open(self) -> bool:
        super().pool_page_open()
        return sign_in_policy_for(self.pool).self_service_delete

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.page_url("account")
        return context

    def perform(self):
        account_delete(self.request.hosted_session, user=self.user)

    def done(self, _result):
        messages.success(
            self.request, _("Your account is deleted. Thank you for having been here.")
        )
        return redirect(self.page_url("sign_in"))

    def refused_url(self) -> str:
        return self.page_url("account")
