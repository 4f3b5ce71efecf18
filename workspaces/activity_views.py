"""Console screens of a workspace's activity: the filtered list, its CSV and
NDJSON exports, and the retention setting (posted from the settings page)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.audit import audit_record
from core.audit_text import Line
from core.pagination import keyset_page
from core.views import ServiceFormView

from . import selectors
from .activity import (
    ActivityFilterForm,
    activity_filter,
    activity_iter,
    activity_lines,
    workspace_set_audit_retention,
)
from .forms import AuditRetentionForm, WorkspaceUpdateForm
from .mixins import WorkspaceScopedMixin
from .models import Role

FILTER_FIELDS = ("actor", "kind", "object", "date_from", "date_to")
EXPORT_ROLE = Role.ADMIN


def _filter_query(form: ActivityFilterForm) -> str:
    """The valid filters as a query string (for the pager and export links)."""
    return urlencode(
        {name: form.data[name] for name in FILTER_FIELDS if form.data.get(name)}
    )


class ActivityView(WorkspaceScopedMixin, TemplateView):
    """Every event of the workspace as a sentence, newest first, filtered by the
    query string (keyset pages: ``before`` is the last id of the page before).
    Bad filters answer 400 with the form's messages and no events."""

    template_name = "workspaces/activity.html"
    page_size = 50

    def get(self, request, *args, **kwargs):
        form = ActivityFilterForm(request.GET)
        context = self.get_context_data(form=form, **kwargs)
        if not form.is_valid():
            context.update(page=None, entries=[])
            return self.render_to_response(context, status=400)
        events = activity_filter(
            selectors.audit_event_list(workspace=self.workspace), **form.cleaned_data
        )
        page = keyset_page(
            events, cursor=request.GET.get("before"), size=self.page_size
        )
        context.update(
            page=page,
            entries=activity_lines(workspace=self.workspace, events=page.items),
            filter_query=_filter_query(form),
            is_filtered=any(form.cleaned_data.values()),
            can_export=self.membership.allows(EXPORT_ROLE),
        )
        return self.render_to_response(context)


# --- exports ----------------------------------------------------------------------
CSV_HEADER = (
    "time",
    "actor",
    "actor_type",
    "actor_id",
    "action",
    "sentence",
    "details",
    "target_type",
    "target_id",
    "ip_address",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """``value`` as a CSV cell that a spreadsheet shows, never runs (OWASP's CSV
    injection advice: prefix a would-be formula with a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(lines: Iterable[Line]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for line in lines:
        event = line.event
        yield writer.writerow(
            [
                csv_cell(v)
                for v in (
                    event.created_at.isoformat(),
                    event.actor_label,
                    event.actor_type,
                    event.actor_id,
                    event.action,
                    line.text,
                    line.details_text,
                    event.target_type,
                    event.target_id,
                    event.ip_address,
                )
            ]
        )


def ndjson_rows(lines: Iterable[Line]) -> Iterator[str]:
    for line in lines:
        event = line.event
        record = {
            "id": event.pk,
            "time": event.created_at.isoformat(),
            "actor": {
                "type": event.actor_type,
                "id": event.actor_id,
                "label": event.actor_label,
            },
            "action": event.action,
            "sentence": line.text,
            "details_text": line.details_text,
            "target": {"type": event.target_type, "id": event.target_id},
            "details": event.details,
            "ip_address": event.ip_address,
        }
        yield json.dumps(record, ensure_ascii=False, default=str) + "\n"


EXPORTS = {
    "csv": (csv_rows, "text/csv; charset=utf-8"),
    "ndjson": (ndjson_rows, "application/x-ndjson; charset=utf-8"),
}


class ActivityExportView(WorkspaceScopedMixin, View):
    """The filtered events as CSV or NDJSON, streamed in chunks (bounded memory
    at any size). Admins and owners only: exports leave the console's access
    checks behind."""

    view_role = EXPORT_ROLE

    def get(self, request, *args, **kwargs):
        if kwargs["format"] not in EXPORTS:
            raise Http404
        rows, content_type = EXPORTS[kwargs["format"]]
        form = ActivityFilterForm(request.GET)
        if not form.is_valid():
            problems = [
                f"{form.fields[f].label if f in form.fields else ''}: {m}"
                for f, errs in form.errors.items()
                for m in errs
            ]
            return HttpResponse(
                "\n".join(problems) + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        events = activity_filter(
            selectors.audit_event_list(workspace=self.workspace), **form.cleaned_data
        )
        # Who took a copy of the trail, and of which part, is on the trail.
        exported = audit_record(
            actor=request.user,
            action="workspace.activity_exported",
            workspace=self.workspace,
            details={
                "format": kwargs["format"].upper(),
                "filters": request.GET.urlencode()[:500],
            },
        )
        events = events.exclude(pk=exported.pk)  # the copy ends before itself
        lines = activity_iter(workspace=self.workspace, events=events)
        response = StreamingHttpResponse(rows(lines), content_type=content_type)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = f"activity-{self.workspace.slug}-{stamp}.{kwargs['format']}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# --- retention ----------------------------------------------------------------------
class AuditRetentionView(WorkspaceScopedMixin, ServiceFormView):
    """The settings page's "Activity" form (owners): how long events are kept."""

    template_name = "workspaces/workspace_settings.html"
    form_class = AuditRetentionForm
    change_role = Role.OWNER
    http_method_names = ["post"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention_form"] = context.pop("form")
        context["form"] = WorkspaceUpdateForm(
            initial={
                "name": self.workspace.name,
                "description": self.workspace.description,
            }
        )
        return context

    def perform(self, form):
        return workspace_set_audit_retention(
            workspace=self.workspace,
            actor=self.request.user,
            days=form.cleaned_data["audit_retention_days"],
        )

    def done(self, workspace):
        days = workspace.audit_retention_days
        if days:
            text = _("Activity is now kept for %d days.") % days
        else:
            text = _("Activity is now kept forever.")
        messages.success(self.request, text)
        return redirect("workspaces:workspace_settings", workspace=workspace.slug)
