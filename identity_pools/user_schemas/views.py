"""Console screens of user schemas: list, create, detail (with edit and preview),
delete. Viewers see; admins and owners change (``WorkspaceScopedMixin`` defaults).
Schemas are looked up only through ``UserSchema.objects.for_workspace``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from core.catalogue import message
from core.views import ServiceConfirmView, ServiceFormView, apply_errors
from workspaces.mixins import WorkspaceScopedMixin

from ..access import schema_access
from ..models import UserSchema
from .builtin import USER_DATA
from .documents import schema_document_check
from .editable import OPERATOR, editable_by
from .fields import field_label, schema_form_fields
from .forms import SchemaCreateForm, SchemaUpdateForm, document_text
from .services import (
    SchemaBreaksUsers,
    user_schema_create,
    user_schema_delete,
    user_schema_pools,
    user_schema_update,
)


class SchemaObjectMixin(WorkspaceScopedMixin):
    """Resolves ``self.schema`` from the URL through the workspace (404 when missing
    or foreign; built-ins are visible to every workspace)."""

    def resolve_objects(self) -> None:
        super().resolve_objects()
        self.schema = schema_access(
            workspace=self.workspace, schema_id=self.kwargs["schema"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["schema"] = self.schema
        return context


class SchemaNavMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = "schemas"
        return context


class SchemaListView(WorkspaceScopedMixin, SchemaNavMixin, TemplateView):
    template_name = "identity_pools/schema_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["schemas"] = (
            UserSchema.objects.for_workspace(self.workspace)
            .defer("document")
            .order_by(F("workspace").asc(nulls_first=True), Lower("name"))
        )
        return context


class SchemaCreateView(WorkspaceScopedMixin, SchemaNavMixin, ServiceFormView):
    template_name = "identity_pools/schema_create.html"
    form_class = SchemaCreateForm

    def get_initial(self):
        # Start from the built-in schema: a complete example to adapt.
        return {"document": USER_DATA}

    def perform(self, form):
        return user_schema_create(
            workspace=self.workspace, actor=self.request.user, **form.cleaned_data
        )

    def done(self, schema):
        messages.success(self.request, _("Schema “%s” created.") % schema.name)
        return redirect(
            "identity_pools:schema_detail",
            workspace=self.workspace.slug,
            schema=schema.pk,
        )


def preview_form(document: dict) -> tuple[forms.Form | None, list[str]]:
    """An unbound form with the fields ``document`` generates, or the reasons it
    cannot generate them (for a stored document that no longer passes the check)."""
    try:
        schema_document_check(document)
    except ValidationError as exc:
        return None, exc.messages
    form = forms.Form(prefix="preview")
    form.fields.update(schema_form_fields(document))
    return form, []


def field_rows(document: dict) -> list[dict]:
    """The fields of ``document`` as the schema screen lists them: label, name,
    whether required, and who fills each in (``editable``)."""
    required = set(document.get("required", ()))
    rows = []
    for name, prop in document.get("properties", {}).items():
        who = editable_by(prop)
        if who == OPERATOR:
            words = (
                _("Operators only (users who sign up have it to be filled)")
                if name in required
                else _("Operators only")
            )
        else:
            words = (
                _("The user, asked at sign-up")
                if name in required
                else _("The user, on their account page")
            )
        rows.append(
            {
                "name": name,
                "label": field_label(name, prop),
                "required": name in required,
                "operator_only": who == OPERATOR,
                "who": words,
            }
        )
    return rows


class SchemaDetailView(SchemaObjectMixin, SchemaNavMixin, FormView):
    """The document, a preview of the form it generates, and for workspace schemas
    an edit form. Saving a document that existing users do not satisfy needs
    "Save anyway"."""

    template_name = "identity_pools/schema_detail.html"
    form_class = SchemaUpdateForm

    def get_initial(self):
        return {
            "name": self.schema.name,
            "description": self.schema.description,
            "document": self.schema.document,
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["offer_confirm"] = self.request.method == "POST"
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["document_json"] = document_text(self.schema.document)
        context["preview"], context["preview_errors"] = preview_form(
            self.schema.document
        )
        if context["preview"] is not None:
            context["fields"] = field_rows(self.schema.document)
        context["pools"] = list(
            user_schema_pools(schema=self.schema, workspace=self.workspace)
            .order_by("name")
            .only("id", "name")
        )
        context["editable"] = self.can_change and not self.schema.is_builtin
        return context

    def post(self, request, *args, **kwargs):
        if self.schema.is_builtin:
            messages.error(request, message("schema_builtin"))
            return self._redirect_here()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            schema = user_schema_update(
                schema=self.schema,
                actor=self.request.user,
                name=data["name"],
                description=data["description"],
                document=data["document"],
                force=form.force,
            )
        except SchemaBreaksUsers as exc:
            # Shown by identity_pools/schema_impact.html (count, samples, what to
            # do) rather than as a form error, so it is said once.
            form.offer_confirm(data["document"])
            return self.render_to_response(
                self.get_context_data(form=form, impact=exc.impact)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Schema “%s” saved.") % schema.name)
        return self._redirect_here()

    def form_invalid(self, form):
        form.hide_confirm()
        return super().form_invalid(form)

    def _redirect_here(self):
        return redirect(
            "identity_pools:schema_detail",
            workspace=self.workspace.slug,
            schema=self.schema.pk,
        )


class SchemaDeleteView(SchemaObjectMixin, SchemaNavMixin, ServiceConfirmView):
    template_name = "identity_pools/schema_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pools"] = list(
            user_schema_pools(schema=self.schema, workspace=self.workspace)
            .order_by("name")
            .only("id", "name")
        )
        return context

    def perform(self):
        user_schema_delete(schema=self.schema, actor=self.request.user)

    def refused_url(self):
        return reverse(
            "identity_pools:schema_detail", args=[self.workspace.slug, self.schema.pk]
        )

    def done(self, result):
        messages.success(self.request, _("Schema “%s” deleted.") % self.schema.name)
        return redirect("identity_pools:schema_list", workspace=self.workspace.slug)
