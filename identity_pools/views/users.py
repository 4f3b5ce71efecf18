"""Users tab: list with search and filters, Create User, and the user page (its
context and the sections other apps add to it: ``identity_pools.user_page``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.views import ServiceConfirmView, ServiceFormView

from .. import selectors
from ..access import group_access, identifier_access
from ..credentials import password_credential_of
from ..forms import (
    IdentifierAddForm,
    PoolUserCreateForm,
    UserGroupAddForm,
    UserStatusForm,
)
from ..mixins import PoolScopedMixin, PoolUserScopedMixin
from ..models import PoolUser
from ..services import groups as group_services
from ..services import users as services
from ..user_page import (
    UserPageActionView,
    UserPageFormView,
    UserPageMixin,
    user_page_context,
)
from ..user_schemas.forms import SchemaDataForm


def user_filters(request, pool) -> selectors.UserFilter:
    """Search and filters from the query string; a group id must be of this pool."""
    params = request.GET
    group = None
    if params.get("group"):
        group = group_access(pool=pool, group_id=params["group"])
    status = params.get("status", "")
    return selectors.UserFilter(
        q=params.get("q", "").strip()[:254],
        by=params.get("by", ""),
        status=status if status in PoolUser.Status.values else "",
        group=group,
    )


def user_list_context(request, pool, filters: selectors.UserFilter) -> dict:
    """A page of users for the shared search form and table (_user_search.html,
    _user_table.html): the Users tab, a group's members and Assign Users."""
    query = request.GET.copy()
    query.pop("after", None)
    return {
        "filters": filters,
        "page": selectors.pool_user_list(
            pool=pool, filters=filters, cursor=request.GET.get("after")
        ),
        "statuses": PoolUser.Status.choices,
        "query": query.urlencode(),
    }


class PoolUserListView(PoolScopedMixin, TemplateView):
    template_name = "identity_pools/pool_user_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = user_filters(self.request, self.pool)
        context.update(user_list_context(self.request, self.pool, filters))
        context["groups"] = selectors.group_choices(pool=self.pool)
        return context


class PoolUserCreateView(PoolScopedMixin, ServiceFormView):
    template_name = "identity_pools/pool_user_create.html"
    form_class = PoolUserCreateForm

    form_kwargs_from_view = ("pool",)

    service_fields = {"password": "password1"}

    def perform(self, form):
        data = form.cleaned_data
        return services.pool_user_create(
            pool=self.pool,
            actor=self.request.user,
            identifier=data["identifier"],
            user_data=data["user_data"],
            mode=data["mode"],
            password=data.get("password1") or None,
            must_change_password=data.get("must_change_password", False),
        )

    def done(self, user):
        identifiers = list(user.identifiers.all())
        if user.status == PoolUser.Status.NEW:
            # The identifier as stored (normalised), not as typed.
            messages.success(
                self.request,
                _("User created. An invitation was sent to %s.")
                % (identifiers[0].value if identifiers else ""),
            )
        else:
            messages.success(self.request, _("User created and active."))
        _warn_lookalikes(self.request, identifiers)
        return redirect(
            "identity_pools:pool_user_detail",
            self.workspace.slug,
            self.pool.pk,
            user.pk,
        )


def _warn_lookalikes(request, identifiers) -> None:
    """Tell the operator when an email address may imitate another one."""
    for identifier in identifiers:
        if identifier.lookalike_warning:
            messages.warning(request, identifier.lookalike_warning)


class PoolUserDetailView(PoolUserScopedMixin, TemplateView):
    template_name = "identity_pools/pool_user_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(user_page_context(self))
        return context


class PoolUserDataView(UserPageMixin, ServiceFormView):
    """Edit user data (``kind="user_data"``) or metadata through the pool's schema."""

    template_name = "identity_pools/pool_user_data.html"
    form_class = SchemaDataForm
    kind = "user_data"

    def current(self) -> dict:
        return (
            self.pool_user.user_data
            if self.kind == "user_data"
            else self.pool_user.metadata
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["document"] = (
            self.pool.user_schema.document
            if self.kind == "user_data"
            else self.pool.metadata_schema.document
        )
        kwargs["values"] = self.current()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kind
        return context

    def perform(self, form):
        # The form shows only declared properties: keep the others as they are.
        data = form.cleaned_data["schema_data"]
        if self.kind == "user_data":
            return services.pool_user_update_data(
                user=self.pool_user,
                actor=self.request.user,
                user_data=data,
                keep_undeclared=True,
            )
        return services.pool_user_update_metadata(
            user=self.pool_user,
            actor=self.request.user,
            metadata=data,
            keep_undeclared=True,
        )

    def done(self, user):
        return self.user_page(
            _("User data saved.") if self.kind == "user_data" else _("Metadata saved.")
        )


class PoolUserIdentifierAddView(UserPageFormView):
    form_class = IdentifierAddForm
    page_form_name = "identifier_form"

    def perform(self, form):
        return services.identifier_add(
            user=self.pool_user,
            actor=self.request.user,
            identifier=form.cleaned_data["identifier"],
        )

    def done(self, identifier):
        _warn_lookalikes(self.request, [identifier])
        return self.user_page(_("Identifier %s added.") % identifier.value)


class PoolUserIdentifierRemoveView(UserPageMixin, ServiceConfirmView):
    template_name = "identity_pools/pool_user_identifier_remove.html"

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.identifier = identifier_access(
            user=self.pool_user, identifier_id=self.kwargs["identifier"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identifier"] = self.identifier
        return context

    def perform(self):
        services.identifier_remove(identifier=self.identifier, actor=self.request.user)

    def refused(self, exc):
        return self.user_page(" ".join(exc.messages), error=True)

    def done(self, result):
        return self.user_page(_("Identifier %s removed.") % self.identifier.value)


class PoolUserStatusView(UserPageActionView):
    """POST status=active|inactive."""

    def post(self, request, *args, **kwargs):
        form = UserStatusForm(request.POST)
        if not form.is_valid():
            return self.user_page(_("Choose activate or deactivate."), error=True)
        user = services.pool_user_set_status(
            user=self.pool_user, actor=request.user, status=form.cleaned_data["status"]
        )
        if user.status == PoolUser.Status.ACTIVE:
            return self.user_page(_("User activated."))
        return self.user_page(_("User deactivated: they cannot sign in."))


class PoolUserInvitationResendView(UserPageActionView):
    def post(self, request, *args, **kwargs):
        try:
            services.pool_user_invitation_resend(
                user=self.pool_user, actor=request.user
            )
        except ValidationError as exc:
            return self.user_page(" ".join(exc.messages), error=True)
        return self.user_page(
            _("A new invitation was sent. The earlier link no longer works.")
        )


class PoolUserDeleteView(PoolUserScopedMixin, ServiceConfirmView):
    template_name = "identity_pools/pool_user_delete.html"

    def perform(self):
        services.pool_user_delete(user=self.pool_user, actor=self.request.user)

    def done(self, result):
        messages.success(
            self.request, _("User %s deleted.") % (self.pool_user.display_name or "")
        )
        return redirect(
            "identity_pools:pool_user_list", self.workspace.slug, self.pool.pk
        )


class PoolUserGroupAddView(UserPageFormView):
    form_class = UserGroupAddForm
    page_form_name = "group_form"

    form_kwargs_from_view = ("pool", "pool_user")

    def perform(self, form):
        self.group = form.cleaned_data["group"]
        return group_services.group_assign_users(
            group=self.group, actor=self.request.user, user_ids=[self.pool_user.pk]
        )

    def done(self, added):
        text = _("Added to %s.") if added else _("Already in %s.")
        return self.user_page(text % self.group.name)


class PoolUserGroupRemoveView(UserPageActionView):
    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.group = group_access(pool=self.pool, group_id=self.kwargs["group"])

    def post(self, request, *args, **kwargs):
        group_services.group_remove_users(
            group=self.group, actor=request.user, user_ids=[self.pool_user.pk]
        )
        return self.user_page(_("Removed from %s.") % self.group.name)


class PoolUserActivateView(UserPageMixin, ServiceConfirmView):
    """Activating a "new" user asks first, saying what they will sign in with."""

    template_name = "identity_pools/pool_user_activate.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identifiers"] = list(self.pool_user.identifiers.order_by("id"))
        context["credential"] = password_credential_of(self.pool_user)
        return context

    def perform(self):
        return services.pool_user_set_status(
            user=self.pool_user, actor=self.request.user, status=PoolUser.Status.ACTIVE
        )

    def refused(self, exc):
        return self.user_page(" ".join(exc.messages), error=True)

    def done(self, user):
        return self.user_page(_("User activated."))


class PoolUserIdentifierVerifyView(UserPageActionView):
    """Mark an identifier verified (the operator vouches for it)."""

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.identifier = identifier_access(
            user=self.pool_user, identifier_id=self.kwargs["identifier"]
        )

    def post(self, request, *args, **kwargs):
        services.identifier_mark_verified(
            identifier=self.identifier, actor=request.user
        )
        return self.user_page(_("%s is marked verified.") % self.identifier.value)
