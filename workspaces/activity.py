"""Reads of a workspace's activity: events as sentences (names batch-loaded), the
Activity filters, a pool user's history, exports; and the audit retention setting
with its purge.

Tenancy: every function takes a resolved workspace (see workspaces.access) and
loads only that workspace's events and objects; ids found in event details are
looked up through the workspace too, so a forged id names nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import SystemActor, audit_record, changes_applied
from core.audit_text import (
    KINDS,
    OBJECT_MATCHES,
    SIGN_IN_ACTIONS,
    TARGETS,
    Line,
    Ref,
    describe,
    referenced,
)
from core.catalogue import MESSAGES, error, field_error
from core.models import AuditEvent

from .models import Workspace


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


class WorkspaceNames:
    """The objects a list of events names, loaded with one query per kind of
    object (each app's ``core.audit_text.Target`` loader), only from
    ``workspace``."""

    def __init__(self, *, workspace: Workspace, wanted: dict[str, set[str]]):
        self.refs: dict[tuple[str, str], Ref] = {}
        self.containers: dict[tuple[str, str], Ref] = {}
        for kind, ids in wanted.items():
            target = TARGETS.get(kind)
            keys = _uuids(ids)
            if target is None or target.load is None or not keys:
                continue
            for pk, (ref, within) in target.load(workspace, keys).items():
                self.refs[(kind, str(pk))] = ref
                if within is not None:
                    self.containers[(kind, str(pk))] = within

    def ref(self, target_type: str, target_id: str) -> Ref | None:
        return self.refs.get((target_type, str(target_id)))

    def within(self, target_type: str, target_id: str) -> Ref | None:
        return self.containers.get((target_type, str(target_id)))


def activity_lines(*, workspace: Workspace, events: Iterable[AuditEvent]) -> list[Line]:
    """``events`` (of ``workspace``) as sentences, names loaded in one query per
    kind of object named: the cost does not grow with the number of events."""
    events = list(events)
    names = WorkspaceNames(workspace=workspace, wanted=referenced(events))
    return [describe(event, names) for event in events]


# --- filters ----------------------------------------------------------------------
class ActivityFilterForm(forms.Form):
    """The Activity page's filters (all optional, from the query string)."""

    actor = forms.CharField(
        label=_("Actor"),
        max_length=254,
        required=False,
        help_text=_("Email, identifier or name as shown, or an id."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of event"),
        required=False,
        error_messages={"invalid_choice": MESSAGES["activity_kind_invalid"]},
        choices=lambda: (
            [("", _("Any kind"))] + [(key, kind.label) for key, kind in KINDS.items()]
        ),
    )
    object = forms.CharField(
        label=_("Object id"),
        max_length=64,
        required=False,
        help_text=_("The id of a pool, user, group or application (from its address)."),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": MESSAGES["activity_date_invalid"]},
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": MESSAGES["activity_date_invalid"]},
    )

    def clean_object(self) -> str:
        value = self.cleaned_data["object"].strip()
        if not value:
            return ""
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise error("activity_object_invalid") from None

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise field_error("date_to", "activity_dates_order")
        return data


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def activity_filter(
    events: QuerySet[AuditEvent],
    *,
    actor: str = "",
    kind: str = "",
    object: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """``events`` narrowed by the ``ActivityFilterForm``'s cleaned values:
    ``actor`` (label, case-insensitive, or id), ``kind`` (a ``KINDS`` key),
    ``object`` (an id: events about it, by it, in it or listing it), and whole
    days ``date_from``..``date_to`` in the current time zone."""
    actor = actor.strip()
    if actor:
        events = events.filter(Q(actor_label__iexact=actor) | Q(actor_id=actor))
    if kind == "sign_ins":
        events = events.filter(action__in=SIGN_IN_ACTIONS)
    elif kind in KINDS:
        prefixes = Q()
        for prefix in KINDS[kind].prefixes:
            prefixes |= Q(action__startswith=prefix)
        events = events.filter(prefixes).exclude(action__in=SIGN_IN_ACTIONS)
    if object:
        match = Q(target_id=object) | Q(actor_id=object)
        for more in OBJECT_MATCHES:
            match |= more(object)
        events = events.filter(match)
    if date_from:
        events = events.filter(created_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return events


def activity_iter(
    *, workspace: Workspace, events: QuerySet[AuditEvent], chunk: int = 500
) -> Iterator[Line]:
    """Every event of ``events`` as a ``Line``, newest first, ``chunk`` at a time
    (keyset on id): memory stays bounded however many there are."""
    last = None
    while True:
        page = events.order_by("-id")
        if last is not None:
            page = page.filter(id__lt=last)
        rows = list(page[:chunk])
        if not rows:
            return
        yield from activity_lines(workspace=workspace, events=rows)
        last = rows[-1].id


# --- retention ----------------------------------------------------------------------
def workspace_set_audit_retention(
    *, workspace: Workspace, actor, days: int | None
) -> Workspace:
    """Keep ``workspace``'s activity for ``days`` days (None: forever); audited as
    a settings change. ``manage.py purge_audit`` applies it."""
    with transaction.atomic():
        changes = changes_applied(workspace, audit_retention_days=days)
        if changes:
            workspace.full_clean(exclude=["slug"])
            workspace.save(update_fields=["audit_retention_days", "updated_at"])
            audit_record(
                actor=actor,
                action="workspace.updated",
                workspace=workspace,
                target=workspace,
                details={"changes": changes},
            )
    return workspace


def audit_purge(
    *, workspace: Workspace, now: datetime | None = None, batch_size: int = 5000
) -> int:
    """Delete ``workspace``'s events older than its retention, ``batch_size`` at
    a time (short transactions, no long lock), and record how many went. Returns
    the count; 0 when the workspace keeps its activity forever."""
    days = workspace.audit_retention_days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = AuditEvent.objects.for_workspace(workspace).filter(created_at__lt=cutoff)
    deleted = 0
    while True:
        ids = list(old.order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            deleted += AuditEvent.objects.filter(id__in=ids).delete()[0]
    if deleted:
        audit_record(
            actor=SystemActor("manage.py purge_audit"),
            action="workspace.audit_purged",
            workspace=workspace,
            target=workspace,
            details={"deleted": deleted, "days": days},
        )
    return deleted
