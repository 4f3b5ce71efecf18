"""Console screens of workspaces: list, create, dashboard, settings, members, activity."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.views import ServiceConfirmView, ServiceFormView

from . import selectors, services
from .activity import activity_lines
from .forms import (
    MemberInviteForm,
    MembershipRoleForm,
    WorkspaceCreateForm,
    WorkspaceUpdateForm,
)
from .mixins import WorkspaceScopedMixin
from .models import Membership, Role, WorkspaceInvitation


class WorkspaceListView(LoginRequiredMixin, TemplateView):
    """The console's home. An operator with exactly one workspace goes straight to
    it (after sign-in and from "/"); ``?all=1`` shows the list anyway."""

    template_name = "workspaces/workspace_list.html"

    def get(self, request, *args, **kwargs):
        self.memberships = list(
            selectors.workspace_list_for_operator(operator=request.user)
        )
        if len(self.memberships) == 1 and not request.GET.get("all"):
            return redirect(
                "workspaces:workspace_dashboard",
                workspace=self.memberships[0].workspace.slug,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = self.memberships
        return context


class WorkspaceCreateView(LoginRequiredMixin, ServiceFormView):
    template_name = "workspaces/workspace_create.html"
    form_class = WorkspaceCreateForm

    def perform(self, form):
        return services.workspace_create(actor=self.request.user, **form.cleaned_data)

    def done(self, workspace):
        messages.success(self.request, _("Workspace “%s” created.") % workspace.name)
        return redirect("workspaces:workspace_dashboard", workspace=workspace.slug)


class WorkspaceDashboardView(WorkspaceScopedMixin, TemplateView):
    template_name = "workspaces/workspace_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member_count"] = selectors.membership_count(workspace=self.workspace)
        context["recent_events"] = activity_lines(
            workspace=self.workspace,
            events=selectors.audit_event_list(workspace=self.workspace)[:5],
        )
        return context


class WorkspaceSettingsView(WorkspaceScopedMixin, ServiceFormView):
    template_name = "workspaces/workspace_settings.html"
    form_class = WorkspaceUpdateForm
    change_role = Role.OWNER

    def get_initial(self):
        return {"name": self.workspace.name, "description": self.workspace.description}

    def perform(self, form):
        return services.workspace_update(
            workspace=self.workspace, actor=self.request.user, **form.cleaned_data
        )

    def done(self, workspace):
        messages.success(self.request, _("Workspace settings saved."))
        return redirect("workspaces:workspace_settings", workspace=self.workspace.slug)


class MemberListView(WorkspaceScopedMixin, ServiceFormView):
    """Members and open invitations; owners invite from the same page."""

    template_name = "workspaces/member_list.html"
    form_class = MemberInviteForm
    change_role = Role.OWNER

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = selectors.membership_list(workspace=self.workspace)
        context["invitations"] = selectors.invitation_list_open(
            workspace=self.workspace
        )
        context["roles"] = Role.choices
        return context

    def perform(self, form):
        return services.member_invite(
            workspace=self.workspace, actor=self.request.user, **form.cleaned_data
        )

    def done(self, invitation):
        messages.success(self.request, _("Invitation sent to %s.") % invitation.email)
        return redirect("workspaces:member_list", workspace=self.workspace.slug)


class MembershipScopedMixin(WorkspaceScopedMixin):
    """Sets ``self.member`` from the ``membership`` URL kwarg, through the workspace."""

    change_role = Role.OWNER

    def resolve_objects(self) -> None:
        super().resolve_objects()
        try:
            self.member = (
                Membership.objects.for_workspace(self.workspace)
                .select_related("operator", "workspace")
                .get(pk=self.kwargs["membership"])
            )
        except Membership.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = self.member
        return context


class MembershipRoleView(MembershipScopedMixin, ServiceFormView):
    template_name = "workspaces/membership_role.html"
    form_class = MembershipRoleForm

    def get_initial(self):
        return {"role": self.member.role}

    def perform(self, form):
        return services.membership_change_role(
            membership=self.member,
            actor=self.request.user,
            role=form.cleaned_data["role"],
        )

    def done(self, member):
        messages.success(self.request, _("Role of %s changed.") % member.operator.email)
        return redirect("workspaces:member_list", workspace=self.workspace.slug)


class MembershipRemoveView(MembershipScopedMixin, ServiceConfirmView):
    template_name = "workspaces/membership_remove.html"

    def perform(self):
        services.membership_remove(membership=self.member, actor=self.request.user)

    def refused_url(self):
        return reverse("workspaces:member_list", args=[self.workspace.slug])

    def done(self, result):
        member = self.member
        messages.success(self.request, _("%s was removed.") % member.operator.email)
        if member.operator_id == self.request.user.pk:
            return redirect("workspaces:workspace_list")
        return redirect("workspaces:member_list", workspace=self.workspace.slug)


class InvitationRevokeView(WorkspaceScopedMixin, ServiceConfirmView):
    template_name = "workspaces/invitation_revoke.html"
    change_role = Role.OWNER

    def resolve_objects(self) -> None:
        super().resolve_objects()
        try:
            self.invitation = WorkspaceInvitation.objects.for_workspace(
                self.workspace
            ).get(pk=self.kwargs["invitation"])
        except WorkspaceInvitation.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        return context

    def perform(self):
        services.invitation_revoke(invitation=self.invitation, actor=self.request.user)

    def done(self, result):
        invitation = self.invitation
        messages.success(
            self.request, _("Invitation for %s revoked.") % invitation.email
        )
        return redirect("workspaces:member_list", workspace=self.workspace.slug)
