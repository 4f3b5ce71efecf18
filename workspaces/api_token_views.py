"""Workspace → API tokens: the list, "Create token" (the secret shown once) and
revoking. Owners and admins change; viewers see the list."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.views import ServiceConfirmView, ServiceFormView

from .api_tokens import api_token_create, api_token_revoke
from .forms import ApiTokenCreateForm
from .mixins import WorkspaceScopedMixin
from .models import ApiToken


class ApiTokenListView(WorkspaceScopedMixin, TemplateView):
    template_name = "workspaces/api_token_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "api_tokens"
        context["tokens"] = list(
            ApiToken.objects.filter(workspace=self.workspace)
            .select_related("created_by")
            .order_by("-created_at")
        )
        context["now"] = timezone.now()
        context["api_docs"] = reverse("api:openapi-view")
        return context


class ApiTokenCreateView(WorkspaceScopedMixin, ServiceFormView):
    template_name = "workspaces/api_token_create.html"
    form_class = ApiTokenCreateForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "api_tokens"
        return context

    def perform(self, form):
        days = form.cleaned_data["expires_in_days"]
        return api_token_create(
            workspace=self.workspace,
            actor=self.request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )

    def done(self, result):
        token, secret = result
        # Shown once, in this response (never stored, never in a redirect).
        response = render(
            self.request,
            "workspaces/api_token_created.html",
            {
                "workspace": self.workspace,
                "membership": self.membership,
                "nav": "api_tokens",
                "token": token,
                "secret": secret,
                "api_root": f"{settings.PUBLIC_URL}/api/v1/",
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(WorkspaceScopedMixin, ServiceConfirmView):
    template_name = "workspaces/api_token_revoke.html"

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.token = ApiToken.objects.filter(
            workspace=self.workspace, pk=self.kwargs["token"]
        ).first()
        if self.token is None:
            raise Http404("No such token.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "api_tokens"
        context["token"] = self.token
        return context

    def perform(self):
        return api_token_revoke(token=self.token, actor=self.request.user)

    def done(self, token):
        messages.success(
            self.request, _("Token “%s” revoked: it no longer works.") % token.name
        )
        return redirect("workspaces:api_token_list", workspace=self.workspace.slug)
