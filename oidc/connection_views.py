"""Workspace → Identity providers: the pools connected as identity providers,
"Connect identity pool", disconnect."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.views import ServiceConfirmView, ServiceFormView
from identity_pools.selectors import pool_list
from workspaces.mixins import WorkspaceScopedMixin

from .connections import idp_connect, idp_disconnect
from .forms import IdpConnectForm
from .models import IdpConnection


class IdpConnectionListView(WorkspaceScopedMixin, TemplateView):
    template_name = "oidc/console/idp_connection_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "idps"
        context["connections"] = list(
            IdpConnection.objects.for_workspace(self.workspace).select_related("pool")
        )
        return context


class IdpConnectView(WorkspaceScopedMixin, ServiceFormView):
    template_name = "oidc/console/idp_connect.html"
    form_class = IdpConnectForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        connected = IdpConnection.objects.for_workspace(self.workspace).values("pool")
        kwargs["pools"] = pool_list(workspace=self.workspace).exclude(pk__in=connected)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "idps"
        return context

    def perform(self, form):
        return idp_connect(
            workspace=self.workspace,
            actor=self.request.user,
            pool=form.cleaned_data["pool"],
            display_name=form.cleaned_data["display_name"],
        )

    def done(self, connection):
        messages.success(
            self.request,
            _("“%s” is connected as an identity provider.") % connection.display_name,
        )
        return redirect(
            "oidc_console:idp_connection_list", workspace=self.workspace.slug
        )


class IdpDisconnectView(WorkspaceScopedMixin, ServiceConfirmView):
    template_name = "oidc/console/idp_disconnect.html"

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.connection = (
            IdpConnection.objects.for_workspace(self.workspace)
            .select_related("pool")
            .filter(pk=self.kwargs["connection"])
            .first()
        )
        if self.connection is None:
            raise Http404("No such connection.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "idps"
        context["connection"] = self.connection
        context["applications"] = list(self.connection.applications.order_by("name"))
        return context

    def perform(self):
        idp_disconnect(connection=self.connection, actor=self.request.user)

    def refused_url(self):
        return reverse("oidc_console:idp_connection_list", args=[self.workspace.slug])

    def done(self, result):
        messages.success(
            self.request, _("“%s” is disconnected.") % self.connection.display_name
        )
        return redirect(
            "oidc_console:idp_connection_list", workspace=self.workspace.slug
        )
