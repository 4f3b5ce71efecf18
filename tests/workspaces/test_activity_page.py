"""The Activity page: sentences, filters (each, combined, bad values), keyset
pages, a constant number of queries, and the CSV/NDJSON exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from identity_pools.services import groups as group_services
from identity_pools.services import users as user_services
from tests.factories import AuditEventFactory, MembershipFactory, PoolUserFactory
from workspaces import services
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(workspace):
    return reverse("workspaces:activity", args=[workspace.slug])


def texts(response):
    return [line.text for line in response.context["entries"]]


def test_activity_shows_sentences_with_links(owner_client, url, workspace, owner, ann):
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    response = owner_client.get(url)
    html = response.content.decode()
    assert "deactivated" in html and "pool_user.deactivated" not in html
    detail = reverse(
        "identity_pools:pool_user_detail", args=[workspace.slug, ann.pool_id, ann.pk]
    )
    assert f'<a href="{detail}">Ann Lee (ann@example.com)</a>' in html
    assert '<span class="label">Status:</span> active → inactive' in html


def test_filter_by_actor(client, owner_client, url, workspace, owner, ann):
    other = MembershipFactory(workspace=workspace, role=Role.ADMIN).operator
    user_services.pool_user_set_status(user=ann, actor=other, status="inactive")
    shown = texts(owner_client.get(url, {"actor": other.email.upper()}))
    assert shown == [
        f"{other.email} deactivated Ann Lee (ann@example.com) in Customers"
    ]


def test_filter_by_kind(owner_client, url, workspace, owner, pool, ann):
    group_services.group_create(pool=pool, actor=owner, name="Admins")
    AuditEventFactory(
        workspace_id=workspace.pk,
        action="pool_user.signed_in",
        target_type="identity_pools.pooluser",
        target_id=str(ann.pk),
        details={"method": "password"},
    )
    kinds = {
        kind: [
            e.action
            for e in owner_client.get(url, {"kind": kind}).context["page"].items
        ]
        for kind in ("groups", "sign_ins", "pools", "users")
    }
    assert kinds == {
        "groups": ["group.created"],
        "sign_ins": ["pool_user.signed_in"],
        "pools": ["pool.created"],
        "users": [],  # the sign-in is not a change to the user
    }


def test_filter_by_object_finds_events_about_and_listing_it(
    owner_client, url, workspace, owner, pool, ann
):
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    group = group_services.group_create(pool=pool, actor=owner, name="Admins")
    group_services.group_assign_users(group=group, actor=owner, user_ids=[ann.pk])
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    user_services.pool_user_set_status(user=bob, actor=owner, status="inactive")
    shown = owner_client.get(url, {"object": str(ann.pk)}).context["page"].items
    assert [e.action for e in shown] == [
        "pool_user.deactivated",
        "group.users_assigned",
    ]
    by_pool = owner_client.get(url, {"object": str(pool.pk)}).context["page"].items
    assert {e.action for e in by_pool} == {"pool.created", "group.created"}


def test_filter_by_dates_and_combined(owner_client, url, workspace, owner, ann):
    old = AuditEventFactory(workspace_id=workspace.pk, actor_label=owner.email)
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    today = timezone.localdate()
    ten_days_ago = (today - timedelta(days=10)).isoformat()

    def shown(**query):
        return [e.pk for e in owner_client.get(url, query).context["page"].items]

    assert old.pk in shown(date_to=ten_days_ago)
    assert old.pk not in shown(date_from=today.isoformat())
    assert shown(date_from=ten_days_ago, date_to=ten_days_ago) == [old.pk]
    combined = owner_client.get(
        url,
        {"actor": owner.email, "kind": "users", "date_from": today.isoformat()},
    )
    assert [e.action for e in combined.context["page"].items] == [
        "pool_user.deactivated"
    ]
    assert combined.context["filter_query"].count("=") == 3


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"kind": "nonsense"}, "kind", "invalid_choice"),
        ({"object": "not-an-id"}, "object", "activity_object_invalid"),
        ({"date_from": "2026-13-45"}, "date_from", "invalid"),
        (
            {"date_from": "2026-03-02", "date_to": "2026-03-01"},
            "date_to",
            "activity_dates_order",
        ),
        ({"actor": "x" * 300}, "actor", "max_length"),
    ],
)
def test_bad_filters_answer_400_with_a_message(owner_client, url, query, field, code):
    response = owner_client.get(url, query)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error(field, code)
    html = response.content.decode()
    assert 'class="error-summary"' in html and "Correct the filters" in html


def test_pages_keep_the_filters(owner_client, url, workspace, owner):
    for n in range(55):
        services.workspace_update(
            workspace=workspace, actor=owner, name=f"N{n}", description=""
        )
    AuditEventFactory(workspace_id=workspace.pk, action="pool.created")
    first = owner_client.get(url, {"kind": "settings"})
    page = first.context["page"]
    assert len(page.items) == 50 and page.has_next
    assert f"?kind=settings&amp;before={page.next_cursor}" in first.content.decode()
    second = owner_client.get(url, {"kind": "settings", "before": page.next_cursor})
    assert len(second.context["page"].items) == 5  # not the pool event


def _mixed_events(workspace, owner, pool, n):
    for i in range(n):
        user = PoolUserFactory(pool=pool, email=f"u{i}-{n}@example.com")
        user_services.pool_user_set_status(user=user, actor=owner, status="inactive")
        group = group_services.group_create(pool=pool, actor=owner, name=f"G{i}-{n}")
        group_services.group_assign_users(group=group, actor=owner, user_ids=[user.pk])
        AuditEventFactory(
            workspace_id=workspace.pk,
            actor_type="pool_user",
            actor_id=str(user.pk),
            action="pool_user.signed_in",
            target_type="identity_pools.pooluser",
            target_id=str(user.pk),
        )


def test_activity_query_count_does_not_grow_with_events(
    owner_client, url, workspace, owner, pool
):
    _mixed_events(workspace, owner, pool, 3)
    with CaptureQueriesContext(connection) as few:
        assert owner_client.get(url).status_code == 200
    _mixed_events(workspace, owner, pool, 12)
    with CaptureQueriesContext(connection) as many:
        response = owner_client.get(url)
    assert len(response.context["entries"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 12


# --- exports --------------------------------------------------------------------------
def test_csv_export_has_sentences_and_escapes_formulas(
    owner_client, workspace, owner, ann
):
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    AuditEventFactory(
        workspace_id=workspace.pk,
        actor_label='=HYPERLINK("http://evil")',
        action="pool_user.sign_in_failed",
        target_type="identity_pools.pooluser",
        target_id=str(ann.pk),
        details={"reason": "+cmd", "method": "@sum"},
    )
    response = owner_client.get(
        reverse("workspaces:activity_export_csv", args=[workspace.slug])
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == [
        "time",
        "actor",
        "actor_type",
        "actor_id",
        "action",
        "sentence",
    ]
    evil, deactivated = rows[1], rows[2]
    assert evil[1] == '\'=HYPERLINK("http://evil")'
    assert evil[6] == "Method: @sum; Reason: +cmd"  # starts with a letter: as is
    assert deactivated[5] == (
        f"{owner.email} deactivated Ann Lee (ann@example.com) in Customers"
    )
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_ndjson_export_follows_the_filters(owner_client, workspace, owner, pool, ann):
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    group_services.group_create(pool=pool, actor=owner, name="Admins")
    response = owner_client.get(
        reverse("workspaces:activity_export_ndjson", args=[workspace.slug]),
        {"kind": "users"},
    )
    assert response["Content-Type"].startswith("application/x-ndjson")
    records = [
        json.loads(line)
        for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert [r["action"] for r in records] == ["pool_user.deactivated"]
    record = records[0]
    assert record["sentence"].endswith(
        "deactivated Ann Lee (ann@example.com) in Customers"
    )
    assert record["details"] == {"from": "active", "to": "inactive"}
    assert record["target"] == {"type": "identity_pools.pooluser", "id": str(ann.pk)}


def test_export_streams_every_event_in_chunks(
    owner_client, workspace, owner, monkeypatch
):
    from workspaces import activity

    original = activity.activity_iter

    def small_chunks(**kwargs):
        return original(**kwargs, chunk=7)

    monkeypatch.setattr("workspaces.activity_views.activity_iter", small_chunks)
    for n in range(20):
        AuditEventFactory(workspace_id=workspace.pk, details={"n": n})
    response = owner_client.get(
        reverse("workspaces:activity_export_ndjson", args=[workspace.slug])
    )
    ids = [
        json.loads(x)["id"] for x in b"".join(response.streaming_content).splitlines()
    ]
    assert len(ids) == len(set(ids)) == 20
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33612345678", "'+33612345678"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("ann@example.com", "ann@example.com"),
        (None, ""),
    ],
)
def test_csv_cells_cannot_start_a_formula(value, cell):
    from workspaces.activity_views import csv_cell

    assert csv_cell(value) == cell


@pytest.mark.parametrize(("role", "status"), [(Role.VIEWER, 403), (Role.ADMIN, 200)])
def test_export_needs_admin(client, workspace, role, status):
    client.force_login(MembershipFactory(workspace=workspace, role=role).operator)
    for name in ("workspaces:activity_export_csv", "workspaces:activity_export_ndjson"):
        assert client.get(reverse(name, args=[workspace.slug])).status_code == status
    page = client.get(reverse("workspaces:activity", args=[workspace.slug]))
    assert ("export.csv" in page.content.decode()) is (status == 200)


def test_export_refuses_bad_filters(owner_client, workspace):
    response = owner_client.get(
        reverse("workspaces:activity_export_csv", args=[workspace.slug]),
        {"object": "nope"},
    )
    assert response.status_code == 400
    assert "Object id" in response.content.decode()


def test_the_workspace_dashboard_shows_recent_activity_as_sentences(
    owner_client, workspace
):
    from django.urls import reverse

    from tests.factories import IdentityPoolFactory, PoolUserFactory

    pool = IdentityPoolFactory(workspace=workspace)
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    from core.audit import audit_record

    audit_record(
        actor=user,
        action="pool_user.signed_in",
        workspace=workspace,
        target=user,
        details={"method": "password"},
    )
    page = owner_client.get(
        reverse("workspaces:workspace_dashboard", args=[workspace.slug])
    ).content.decode()
    assert "pool_user.signed_in" not in page
    assert 'class="sentence"' in page and "ann@example.com" in page


def test_an_export_is_on_the_trail(owner_client, workspace):
    from core.models import AuditEvent

    owner_client.get(
        reverse("workspaces:activity_export_csv", args=[workspace.slug]),
        {"kind": "groups"},
    )
    event = AuditEvent.objects.get(action="workspace.activity_exported")
    assert event.details == {"format": "CSV", "filters": "kind=groups"}
    page = owner_client.get(reverse("workspaces:activity", args=[workspace.slug]))
    assert "exported the activity as CSV" in page.content.decode()
