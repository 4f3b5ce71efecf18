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
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from core.audit import SystemActor, audit_record, changes_applied
from core.audit_text import (
    GROUP,
    GROUP_MEMBER_ACTIONS,
    KINDS,
    POOL,
    SIGN_IN_ACTIONS,
    USER,
    Line,
    Ref,
    describe,
    referenced,
    short_id,
)
from core.catalogue import MESSAGES, error, field_error
from core.models import AuditEvent
from identity_pools.models import Group, Identifier, IdentityPool, PoolUser, UserSchema
from identity_pools.selectors import HISTORY_KINDS
from oidc.models import Application, IdpConnection, SigningKey

from .models import Membership, Workspace, WorkspaceInvitation


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


class WorkspaceNames:
    """The objects a list of events names, loaded with one query per type
    (pools, users, groups, applications, …), only from ``workspace``."""

    def __init__(self, *, workspace: Workspace, wanted: dict[str, set[str]]):
        self.workspace = workspace
        self.refs: dict[tuple[str, str], Ref] = {}
        self.pools: dict[tuple[str, str], Ref] = {}
        slug = workspace.slug
        for kind, ids in wanted.items():
            loader = getattr(self, "_load_" + kind.replace(".", "_"), None)
            keys = _uuids(ids)
            if loader is not None and keys:
                loader(slug, keys)

    def ref(self, target_type: str, target_id: str) -> Ref | None:
        if target_type == "workspaces.workspace":
            if target_id == str(self.workspace.pk):
                url = reverse(
                    "workspaces:workspace_settings", args=[self.workspace.slug]
                )
                return Ref(self.workspace.name, url)
            return None
        return self.refs.get((target_type, str(target_id)))

    def pool_of(self, target_type: str, target_id: str) -> Ref | None:
        return self.pools.get((target_type, str(target_id)))

    def _put(self, kind: str, pk, ref: Ref, pool: IdentityPool | None = None) -> None:
        self.refs[(kind, str(pk))] = ref
        if pool is not None:
            self.pools[(kind, str(pk))] = self._pool_ref(pool)

    def _pool_ref(self, pool: IdentityPool) -> Ref:
        url = reverse("identity_pools:pool_detail", args=[self.workspace.slug, pool.pk])
        return Ref(pool.name, url)

    def _load_identity_pools_identitypool(self, slug, ids) -> None:
        for pool in IdentityPool.objects.for_workspace(self.workspace).filter(
            pk__in=ids
        ):
            self._put(POOL, pool.pk, self._pool_ref(pool))

    def _load_identity_pools_pooluser(self, slug, ids) -> None:
        first = Identifier.objects.filter(user=OuterRef("pk")).order_by("id")
        users = (
            PoolUser.objects.filter(pool__workspace=self.workspace, pk__in=ids)
            .select_related("pool")
            .only("id", "display_name", "pool__id", "pool__name")
            .annotate(first_identifier=Subquery(first.values("value")[:1]))
        )
        for user in users:
            name, identifier = user.display_name, user.first_identifier or ""
            if name and identifier and name != identifier:
                label = f"{name} ({identifier})"
            else:
                label = name or identifier or f"user {short_id(str(user.pk))}"
            url = reverse(
                "identity_pools:pool_user_detail", args=[slug, user.pool_id, user.pk]
            )
            self._put(USER, user.pk, Ref(label, url), user.pool)

    def _load_identity_pools_group(self, slug, ids) -> None:
        groups = Group.objects.filter(
            pool__workspace=self.workspace, pk__in=ids
        ).select_related("pool")
        for group in groups:
            url = reverse(
                "identity_pools:group_detail", args=[slug, group.pool_id, group.pk]
            )
            self._put(GROUP, group.pk, Ref(group.name, url), group.pool)

    def _load_identity_pools_userschema(self, slug, ids) -> None:
        schemas = UserSchema.objects.filter(
            Q(workspace=self.workspace) | Q(workspace__isnull=True), pk__in=ids
        ).only("id", "name")
        for schema in schemas:
            url = reverse("identity_pools:schema_detail", args=[slug, schema.pk])
            self._put("identity_pools.userschema", schema.pk, Ref(schema.name, url))

    def _load_oidc_application(self, slug, ids) -> None:
        for app in Application.objects.filter(
            workspace=self.workspace, pk__in=ids
        ).only("id", "name"):
            url = reverse("oidc_console:application_detail", args=[slug, app.pk])
            self._put("oidc.application", app.pk, Ref(app.name, url))

    def _load_accounts_apitoken(self, slug, ids) -> None:
        url = reverse("workspaces:api_token_list", args=[slug])
        for token in ApiToken.objects.filter(workspace=self.workspace, pk__in=ids).only(
            "id", "name"
        ):
            self._put("accounts.apitoken", token.pk, Ref(token.name, url))

    def _load_oidc_idpconnection(self, slug, ids) -> None:
        url = reverse("oidc_console:idp_connection_list", args=[slug])
        connections = IdpConnection.objects.filter(
            workspace=self.workspace, pk__in=ids
        ).select_related("pool")
        for conn in connections:
            ref = Ref(conn.display_name or conn.pool.name, url)
            self._put("oidc.idpconnection", conn.pk, ref, conn.pool)

    def _load_workspaces_membership(self, slug, ids) -> None:
        url = reverse("workspaces:member_list", args=[slug])
        members = Membership.objects.filter(
            workspace=self.workspace, pk__in=ids
        ).select_related("operator")
        for member in members:
            self._put(
                "workspaces.membership", member.pk, Ref(member.operator.email, url)
            )

    def _load_workspaces_workspaceinvitation(self, slug, ids) -> None:
        url = reverse("workspaces:member_list", args=[slug])
        invitations = WorkspaceInvitation.objects.filter(
            workspace=self.workspace, pk__in=ids
        ).only("id", "email")
        for invitation in invitations:
            ref = Ref(invitation.email, url)
            self._put("workspaces.workspaceinvitation", invitation.pk, ref)

    def _load_oidc_signingkey(self, slug, ids) -> None:
        url = reverse("oidc_console:signing_key_list", args=[slug])
        for key in SigningKey.objects.filter(workspace=self.workspace, pk__in=ids).only(
            "id", "kid"
        ):
            self._put("oidc.signingkey", key.pk, Ref(key.kid, url))


def activity_lines(*, workspace: Workspace, events: Iterable[AuditEvent]) -> list[Line]:
    """``events`` (of ``workspace``) as sentences, names loaded in one query per
    kind of object named: the cost does not grow with the number of events."""
    events = list(events)
    names = WorkspaceNames(workspace=workspace, wanted=referenced(events))
    return [describe(event, names) for event in events]


# --- filters ----------------------------------------------------------------------
def _group_member_q(user_id: str) -> Q:
    """Group-membership events whose recorded users include ``user_id``. On
    PostgreSQL a JSON containment (``details -> 'users' @> '["…"]'``) served by
    the partial GIN index ``core_audit_group_users_gin`` (migration
    workspaces 0008); elsewhere a text match."""
    if connection.vendor == "postgresql":
        match = Q(details__users__contains=[user_id])
    else:
        match = Q(details__icontains=f'"{user_id}"')
    return Q(action__in=GROUP_MEMBER_ACTIONS) & match


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
        choices=[("", _("Any kind"))]
        + [(k, label) for k, (label, _p) in KINDS.items()],
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
        for prefix in KINDS[kind][1]:
            prefixes |= Q(action__startswith=prefix)
        events = events.filter(prefixes).exclude(action__in=SIGN_IN_ACTIONS)
    if object:
        events = events.filter(
            Q(target_id=object)
            | Q(actor_id=object)
            | Q(details__pool=object)
            | _group_member_q(object)
        )
    if date_from:
        events = events.filter(created_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return events


def pool_user_history(
    *, user: PoolUser, kind: str = "all", limit: int = 50
) -> QuerySet[AuditEvent]:
    """The latest events about ``user`` (of its workspace): those that target it
    and the group changes that list it. ``kind`` is a ``HISTORY_KINDS`` key:
    sign-ins, failed sign-ins, every other change, or all."""
    events = AuditEvent.objects.for_workspace(user.pool.workspace).filter(
        Q(target_type=USER, target_id=str(user.pk)) | _group_member_q(str(user.pk))
    )
    if kind == "changes":
        events = events.exclude(action__in=SIGN_IN_ACTIONS)
    elif HISTORY_KINDS.get(kind, (None, None))[1]:
        events = events.filter(**HISTORY_KINDS[kind][1])
    return events.order_by("-created_at", "-id")[:limit]


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
