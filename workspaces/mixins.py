"""The view mixin that every console view inside a workspace uses."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from .access import workspace_access
from .models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WorkspaceScopedMixin(LoginRequiredMixin):
    """Resolves ``self.workspace`` (and ``self.membership``) from the URL.

    Anyone who is not a member gets 404. Members below ``view_role`` get 403 on every
    method; members below ``change_role`` get 403 on anything but GET/HEAD/OPTIONS,
    so a viewer sees everything and changes nothing.
    """

    view_role: str = Role.VIEWER
    change_role: str = Role.ADMIN
    workspace_url_kwarg = "workspace"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.workspace = workspace_access(
            actor=request.user, slug=kwargs[self.workspace_url_kwarg]
        )
        self.membership = self.workspace.membership
        needed = self.view_role if request.method in SAFE_METHODS else self.change_role
        if not self.membership.allows(needed):
            raise PermissionDenied("Your role in this workspace does not allow this.")
        self.resolve_objects()
        return super().dispatch(request, *args, **kwargs)

    def resolve_objects(self) -> None:
        """Hook for subclasses: look up deeper objects (through ``self.workspace``)
        before the handler runs. Raise Http404 for missing or foreign ones."""

    @property
    def can_change(self) -> bool:
        return self.membership.allows(self.change_role)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workspace"] = self.workspace
        context["membership"] = self.membership
        context["can_change"] = self.can_change
        context["is_owner"] = self.membership.role == Role.OWNER
        return context
