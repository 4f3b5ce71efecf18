"""Workspace → Applications: the list, "Create application" (the client secret
shown once), an application's settings, rotating its secret, deleting it.
Owners and admins change; viewers look."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.views import ServiceConfirmView, ServiceFormView
from workspaces.mixins import WorkspaceScopedMixin

from .applications import (
    application_access,
    application_create,
    application_delete,
    application_rotate_secret,
    application_update,
    claim_mappings_text,
    default_grant_types,
)
from .forms import ApplicationForm, ApplicationRotateSecretForm, ApplicationUpdateForm
from .models import Application, IdpConnection
from .quick_start import application_quick_start


def _connections(workspace):
    return IdpConnection.objects.for_workspace(workspace).select_related("pool")


class ApplicationScopedMixin(WorkspaceScopedMixin):
    """Resolves ``self.application`` through the workspace (404 otherwise)."""

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.application = application_access(
            workspace=self.workspace, application_id=self.kwargs["application"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "applications"
        context["application"] = self.application
        return context


def _secret_page(view, application, secret: str, *, created: bool):
    """The client id and secret, in this response only (never stored)."""
    response = render(
        view.request,
        "oidc/console/application_secret.html",
        {
            "workspace": view.workspace,
            "membership": view.membership,
            "nav": "applications",
            "application": application,
            "secret": secret,
            "created": created,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class ApplicationListView(WorkspaceScopedMixin, TemplateView):
    template_name = "oidc/console/application_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "applications"
        context["applications"] = list(
            Application.objects.for_workspace(self.workspace).prefetch_related(
                "connections"
            )
        )
        return context


class ApplicationCreateView(WorkspaceScopedMixin, ServiceFormView):
    template_name = "oidc/console/application_create.html"
    form_class = ApplicationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["connections"] = _connections(self.workspace)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "applications"
        return context

    def perform(self, form):
        return application_create(
            workspace=self.workspace, actor=self.request.user, **form.service_fields()
        )

    def done(self, result):
        application, secret = result
        if secret is None:
            messages.success(
                self.request, _("Application “%s” created.") % application.name
            )
            return redirect(
                "oidc_console:application_detail", self.workspace.slug, application.pk
            )
        return _secret_page(self, application, secret, created=True)


class ApplicationDetailView(ApplicationScopedMixin, ServiceFormView):
    """The application's page: its client id, the provider's addresses with a
    quick start for its type, and its settings (a form)."""

    template_name = "oidc/console/application_detail.html"
    form_class = ApplicationUpdateForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["provider"] = application_quick_start(self.application)
        return context

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["connections"] = _connections(self.workspace)
        return kwargs

    def get_initial(self):
        app = self.application
        return {
            "name": app.name,
            "redirect_uris": "\n".join(app.redirect_uris),
            "post_logout_redirect_uris": "\n".join(app.post_logout_redirect_uris),
            "grant_types": app.grant_types,
            "connections": [
                str(pk) for pk in app.connections.values_list("pk", flat=True)
            ],
            "scopes": app.scopes,
            "access_token_seconds": app.access_token_seconds,
            "refresh_token_days": max(1, app.refresh_token_seconds // 86_400),
            "rotate_refresh_tokens": app.rotate_refresh_tokens,
            "require_consent": app.require_consent,
            "require_two_factors": app.require_two_factors,
            "pairwise_subject": app.pairwise_subject,
            "id_token_alg": app.id_token_alg,
            "claim_mappings": claim_mappings_text(app.claim_mappings),
        }

    def perform(self, form):
        fields = form.service_fields()
        fields.setdefault("grant_types", default_grant_types(self.application.kind))
        return application_update(
            application=self.application, actor=self.request.user, **fields
        )

    def done(self, application):
        messages.success(self.request, _("Settings of “%s” saved.") % application.name)
        return redirect(
            "oidc_console:application_detail", self.workspace.slug, application.pk
        )


class ApplicationRotateSecretView(ApplicationScopedMixin, ServiceFormView):
    template_name = "oidc/console/application_rotate_secret.html"
    form_class = ApplicationRotateSecretForm

    def perform(self, form):
        return application_rotate_secret(
            application=self.application,
            actor=self.request.user,
            grace_days=form.cleaned_data["grace_days"],
        )

    def done(self, secret):
        return _secret_page(self, self.application, secret, created=False)


class ApplicationDeleteView(ApplicationScopedMixin, ServiceConfirmView):
    template_name = "oidc/console/application_delete.html"

    def perform(self):
        application_delete(application=self.application, actor=self.request.user)

    def refused_url(self):
        return reverse(
            "oidc_console:application_detail",
            args=[self.workspace.slug, self.application.pk],
        )

    def done(self, result):
        messages.success(
            self.request, _("Application “%s” deleted.") % self.application.name
        )
        return redirect("oidc_console:application_list", workspace=self.workspace.slug)
