"""Groups tab: list, Create Group, group page with members, Assign Users."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView

from core.views import ServiceConfirmView, ServiceFormView

from .. import selectors
from ..forms import GroupForm, UserSelectionForm
from ..mixins import GroupScopedMixin, PoolScopedMixin
from ..services import groups as services
from .users import user_filters, user_list_context


class GroupListView(PoolScopedMixin, TemplateView):
    template_name = "identity_pools/group_list.html"
    pool_tab = "groups"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = selectors.group_list(
            pool=self.pool, cursor=self.request.GET.get("after")
        )
        return context


class GroupCreateView(PoolScopedMixin, ServiceFormView):
    template_name = "identity_pools/group_form.html"
    form_class = GroupForm
    pool_tab = "groups"

    def perform(self, form):
        return services.group_create(
            pool=self.pool, actor=self.request.user, **form.cleaned_data
        )

    def done(self, group):
        messages.success(self.request, _("Group “%s” created.") % group.name)
        return redirect(
            "identity_pools:group_detail", self.workspace.slug, self.pool.pk, group.pk
        )


class GroupUpdateView(GroupScopedMixin, ServiceFormView):
    template_name = "identity_pools/group_form.html"
    form_class = GroupForm

    def get_initial(self):
        return {"name": self.group.name, "description": self.group.description}

    def perform(self, form):
        return services.group_update(
            group=self.group, actor=self.request.user, **form.cleaned_data
        )

    def done(self, group):
        messages.success(self.request, _("Group saved."))
        return redirect(
            "identity_pools:group_detail",
            self.workspace.slug,
            self.pool.pk,
            self.group.pk,
        )


class GroupDetailView(GroupScopedMixin, TemplateView):
    """Members, with the same search and pagination as the Users tab; remove selected."""

    template_name = "identity_pools/group_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = replace(user_filters(self.request, self.pool), group=self.group)
        context.update(user_list_context(self.request, self.pool, filters))
        return context


class GroupRemoveUsersView(GroupScopedMixin, FormView):
    """POST users=<id>&users=<id>… removes them from the group."""

    form_class = UserSelectionForm

    def get(self, request, *args, **kwargs):
        return self._back()

    def _back(self):
        return redirect(
            "identity_pools:group_detail",
            self.workspace.slug,
            self.pool.pk,
            self.group.pk,
        )

    def form_invalid(self, form):
        messages.error(self.request, " ".join(form.errors.get("users", [])))
        return self._back()

    def form_valid(self, form):
        try:
            removed = services.group_remove_users(
                group=self.group,
                actor=self.request.user,
                user_ids=form.cleaned_data["users"],
            )
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return self._back()
        messages.success(
            self.request,
            ngettext(
                "Removed %d user from the group.",
                "Removed %d users from the group.",
                removed,
            )
            % removed,
        )
        return self._back()


class GroupAssignUsersView(GroupScopedMixin, ServiceFormView):
    """Assign Users: search the pool's users, tick many, assign at once."""

    template_name = "identity_pools/group_assign.html"
    form_class = UserSelectionForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = replace(user_filters(self.request, self.pool), group=None)
        context.update(user_list_context(self.request, self.pool, filters))
        context["member_ids"] = set(
            self.group.memberships.filter(
                user_id__in=[u.pk for u in context["page"].items]
            ).values_list("user_id", flat=True)
        )
        return context

    def perform(self, form):
        self.chosen = len(set(form.cleaned_data["users"]))
        return services.group_assign_users(
            group=self.group,
            actor=self.request.user,
            user_ids=form.cleaned_data["users"],
        )

    def done(self, added):
        skipped = self.chosen - added
        text = (
            ngettext(
                "Assigned %d user to the group.",
                "Assigned %d users to the group.",
                added,
            )
            % added
        )
        if skipped:
            text += (
                " "
                + ngettext(
                    "%d was already a member.", "%d were already members.", skipped
                )
                % skipped
            )
        messages.success(self.request, text)
        return redirect(
            "identity_pools:group_detail",
            self.workspace.slug,
            self.pool.pk,
            self.group.pk,
        )


class GroupDeleteView(GroupScopedMixin, ServiceConfirmView):
    template_name = "identity_pools/group_delete.html"

    def perform(self):
        services.group_delete(group=self.group, actor=self.request.user)

    def done(self, result):
        messages.success(
            self.request,
            _("Group “%s” deleted. Its users stay in the pool.") % self.group.name,
        )
        return redirect("identity_pools:group_list", self.workspace.slug, self.pool.pk)
