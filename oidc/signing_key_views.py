"""Workspace → Signing keys: the keys its OpenID provider signs tokens with, and
rotating them. Everyone in the workspace sees the list; owners and admins
rotate."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from core.views import ServiceFormView
from workspaces.mixins import WorkspaceScopedMixin
from workspaces.models import Role

from .forms import SigningKeyRotateForm
from .signing_keys import (
    signing_key_keep_seconds,
    signing_key_list,
    signing_key_rotate,
)


def duration_words(seconds: int) -> str:
    """``seconds`` in words: "1 hour", "36 hours", "90 minutes"."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%d hour", "%d hours", hours) % hours
    minutes = -(-seconds // 60)
    return ngettext("%d minute", "%d minutes", minutes) % minutes


class SigningKeysMixin(WorkspaceScopedMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "signing_keys"
        return context


class SigningKeyListView(SigningKeysMixin, TemplateView):
    """The workspace's keys, newest first (a constant number of queries)."""

    template_name = "oidc/console/signing_key_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keys"] = signing_key_list(workspace=self.workspace)
        context["now"] = timezone.now()
        return context


class SigningKeyRotateView(SigningKeysMixin, ServiceFormView):
    """Rotate keys: owners and admins only (viewers get 403, GET included)."""

    template_name = "oidc/console/signing_key_rotate.html"
    form_class = SigningKeyRotateForm
    view_role = Role.ADMIN

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        keep_seconds = signing_key_keep_seconds(workspace=self.workspace)
        context["keep_words"] = duration_words(keep_seconds)
        return context

    def perform(self, form):
        return signing_key_rotate(
            workspace=self.workspace,
            alg=form.cleaned_data["alg"],
            actor=self.request.user,
            keep_seconds=signing_key_keep_seconds(workspace=self.workspace),
        )

    def done(self, key):
        messages.success(
            self.request,
            _("Keys rotated: %(kid)s now signs %(alg)s tokens.")
            % {"kid": key.kid, "alg": key.alg},
        )
        return redirect("oidc_console:signing_key_list", workspace=self.workspace.slug)
