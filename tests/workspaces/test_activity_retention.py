"""The workspace's activity retention (settings page) and ``manage.py purge_audit``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from tests.factories import AuditEventFactory, MembershipFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(workspace):
    return reverse("workspaces:audit_retention", args=[workspace.slug])


def test_settings_page_shows_the_retention_field(owner_client, workspace):
    html = owner_client.get(
        reverse("workspaces:workspace_settings", args=[workspace.slug])
    ).content.decode()
    assert 'name="audit_retention_days"' in html and "keep activity forever" in html


def test_owner_sets_and_clears_the_retention(owner_client, workspace, owner, url):
    response = owner_client.post(url, {"audit_retention_days": "90"})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.audit_retention_days == 90
    event = AuditEvent.objects.for_workspace(workspace).get(action="workspace.updated")
    assert event.details == {"changes": {"audit_retention_days": [None, 90]}}
    owner_client.post(url, {"audit_retention_days": ""})
    workspace.refresh_from_db()
    assert workspace.audit_retention_days is None
    page = owner_client.get(reverse("workspaces:activity", args=[workspace.slug]))
    assert "Keep activity for (days): 90 → none" in page.content.decode().replace(
        '<span class="label">', ""
    ).replace("</span>", "")


@pytest.mark.parametrize("value", ["0", "3651", "abc", "-5"])
def test_bad_retention_is_refused_with_a_message(owner_client, workspace, url, value):
    response = owner_client.post(url, {"audit_retention_days": value})
    assert response.status_code == 200
    form = response.context["retention_form"]
    assert form.errors["audit_retention_days"] == [
        "Enter a number of days from 1 to 3650, or leave it empty to keep activity "
        "forever."
    ]
    workspace.refresh_from_db()
    assert workspace.audit_retention_days is None


def test_only_owners_change_the_retention(client, workspace, url):
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).operator
    client.force_login(admin)
    assert client.post(url, {"audit_retention_days": "30"}).status_code == 403


def _event(workspace, days_ago):
    event = AuditEventFactory(workspace_id=workspace.pk if workspace else None)
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return event


def test_purge_deletes_old_events_in_batches_and_prints_counts():
    short = WorkspaceFactory(slug="short", audit_retention_days=30)
    forever = WorkspaceFactory(slug="forever")
    old = [_event(short, 31 + n) for n in range(5)]
    kept = _event(short, 29)
    kept_forever = _event(forever, 400)
    installation = _event(None, 400)
    out = StringIO()
    call_command("purge_audit", "--batch-size", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        "short: deleted 5 events older than 30 days.",
        "Deleted 5 events in all.",
    ]
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert {kept.pk, kept_forever.pk, installation.pk} <= remaining
    assert remaining.isdisjoint(e.pk for e in old)
    purged = AuditEvent.objects.get(action="workspace.audit_purged")
    assert purged.details == {"deleted": 5, "days": 30}
    assert purged.actor_label == "manage.py purge_audit"
    out = StringIO()
    call_command("purge_audit", "--quiet", stdout=out)  # again: nothing to do
    assert out.getvalue() == "Deleted 0 events in all.\n"


def test_purge_one_workspace_and_refuse_bad_arguments():
    one = WorkspaceFactory(slug="one", audit_retention_days=1)
    two = WorkspaceFactory(slug="two", audit_retention_days=1)
    _event(one, 2)
    kept = _event(two, 2)
    call_command("purge_audit", "--workspace", "one", stdout=StringIO())
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    with pytest.raises(CommandError, match="No workspace"):
        call_command("purge_audit", "--workspace", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="batch-size"):
        call_command("purge_audit", "--batch-size", "0", stdout=StringIO())


def test_purge_help_explains_cron():
    from workspaces.management.commands.purge_audit import Command

    for words in ("retention", "keep everything", "batches", "cron"):
        assert words in Command.help
