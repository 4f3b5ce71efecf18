"""Hosted pages of end users (registration today; sign-in and the account page
arrive with the sign-in issue)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core import ratelimit
from core.catalogue import message
from core.request import client_ip
from core.views import ServiceFormView

from ..flows.invitation import invitation_accept, invitation_lookup
from .access import hosted_pool, hosted_workspace
from .forms import InvitationRegisterForm

# Link tokens have 256 bits; guessing is still limited per client address.
TOKEN_GUESSES = (30, 3600)


class HostedMixin(View):
    """Resolves ``self.workspace`` from the URL (public, by slug) and brands the
    page with it."""

    def dispatch(self, request, *args, **kwargs):
        self.workspace = hosted_workspace(slug=kwargs["workspace"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace"] = self.workspace
        return context


def link_no_longer_works(request, workspace, *, status: int = 404):
    """The one page for an expired, used, replaced or unknown link."""
    return render(
        request,
        "hosted/link_invalid.html",
        {"workspace": workspace, "text": message("invitation_link_invalid")},
        status=status,
    )


class InvitationRegisterView(HostedMixin, ServiceFormView):
    """The invitation email's link: choose a password, complete the user data."""

    template_name = "hosted/invitation_register.html"
    form_class = InvitationRegisterForm

    def dispatch(self, request, *args, **kwargs):
        self.workspace = hosted_workspace(slug=kwargs["workspace"])
        limit = ratelimit.Limit(f"hosted:link:{client_ip(request)}", *TOKEN_GUESSES)
        if ratelimit.is_limited(limit):
            return render(
                request,
                "hosted/link_invalid.html",
                {
                    "workspace": self.workspace,
                    "text": message(
                        "hosted_rate_limited",
                        minutes=max(1, ratelimit.retry_after(limit) // 60),
                    ),
                },
                status=429,
            )
        self.code = invitation_lookup(workspace=self.workspace, token=kwargs["token"])
        if self.code is None:
            ratelimit.hit(limit)
            return link_no_longer_works(request, self.workspace)
        return super(HostedMixin, self).dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["code"] = self.code
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool"] = self.code.user.pool
        context["identifier"] = self.code.identifier
        return context

    def perform(self, form):
        return invitation_accept(
            workspace=self.workspace,
            token=self.kwargs["token"],
            password=form.cleaned_data["password1"],
            user_data=form.cleaned_data["user_data"],
        )

    def form_invalid(self, form):
        if any(
            e.code == "invitation_link_invalid"
            for e in form.non_field_errors().as_data()
        ):
            return link_no_longer_works(self.request, self.workspace)
        return super().form_invalid(form)

    service_fields = {"password": "password1"}

    def done(self, user):
        pool = user.pool
        if pool.post_registration_url:
            return redirect(pool.post_registration_url)
        return redirect(
            reverse("hosted:registered", args=[self.workspace.slug, pool.pk])
        )


class RegisteredView(HostedMixin, TemplateView):
    """ "You're all set": where a registration ends when the pool names no page."""

    template_name = "hosted/registered.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool"] = hosted_pool(workspace=self.workspace, pool_id=kwargs["pool"])
        return context
