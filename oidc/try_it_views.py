"""An application's "Try it" (console): runs a real authorization-code + PKCE
sign-in against the workspace's provider and shows the decoded ID token and
userinfo. Owners and admins only: a try signs a pool user in."""

from __future__ import annotations

import json

from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from workspaces.models import Role

from .application_views import ApplicationScopedMixin
from .try_it import try_it_finish, try_it_start


class ApplicationTryView(ApplicationScopedMixin, View):
    """POST: start a try (the browser goes to the authorization endpoint)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return redirect(try_it_start(request.session, application=self.application))


class ApplicationTryCallbackView(ApplicationScopedMixin, TemplateView):
    """Where the try comes back: the code is exchanged and the result shown."""

    template_name = "oidc/console/application_try.html"
    view_role = Role.ADMIN

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = try_it_finish(
            self.request.session, application=self.application, params=self.request.GET
        )
        context["result"] = result
        for key in ("id_token_header", "id_token_claims", "userinfo"):
            if key in result:
                context[key] = json.dumps(result[key], indent=2, sort_keys=True)
        return context
