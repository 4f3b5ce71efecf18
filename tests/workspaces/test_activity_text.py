"""Audit events as sentences (core.audit_text through workspaces.activity): who
did what to which object, with links, and details as labelled, human values."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.audit_text import Ref, describe, value_text
from core.models import AuditEvent
from identity_pools.services import groups as group_services
from identity_pools.services import users as user_services
from identity_pools.services.pools import pool_update
from tests.factories import AuditEventFactory, PoolUserFactory, WorkspaceFactory
from workspaces import services
from workspaces.activity import activity_lines

pytestmark = pytest.mark.django_db


def latest(workspace):
    event = AuditEvent.objects.for_workspace(workspace).order_by("-id").first()
    return activity_lines(workspace=workspace, events=[event])[0]


def links(line):
    return {p.label: p.url for p in line.parts if isinstance(p, Ref) and p.url}


def detail(line):
    return {d.label: d.text for d in line.details}


def test_deactivation_names_the_user_and_the_pool_as_links(workspace, owner, pool, ann):
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    line = latest(workspace)
    assert line.text == (
        f"{owner.email} deactivated Ann Lee (ann@example.com) in Customers"
    )
    assert links(line) == {
        "Ann Lee (ann@example.com)": reverse(
            "identity_pools:pool_user_detail", args=[workspace.slug, pool.pk, ann.pk]
        ),
        "Customers": reverse(
            "identity_pools:pool_detail", args=[workspace.slug, pool.pk]
        ),
    }
    assert detail(line) == {"Status": "active → inactive"}
    assert line.kind == "users"


def test_activation_and_identifier_events_say_which_user(workspace, owner, pool, ann):
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    user_services.pool_user_set_status(user=ann, actor=owner, status="active")
    assert latest(workspace).text.endswith(
        "activated Ann Lee (ann@example.com) in Customers"
    )
    user_services.identifier_add(user=ann, actor=owner, identifier="ann@work.example")
    line = latest(workspace)
    assert line.text == (
        f"{owner.email} added ann@work.example to Ann Lee (ann@example.com) "
        "in Customers"
    )
    assert line.details == []  # the identifier is in the sentence, not repeated


def test_group_events_name_the_group_and_its_users(workspace, owner, pool, ann):
    group = group_services.group_create(pool=pool, actor=owner, name="Admins")
    assert (
        latest(workspace).text == f"{owner.email} created the group Admins in Customers"
    )
    group_services.group_assign_users(group=group, actor=owner, user_ids=[ann.pk])
    line = latest(workspace)
    assert line.text == f"{owner.email} added 1 user to the group Admins in Customers"
    assert links(line)["Admins"] == reverse(
        "identity_pools:group_detail", args=[workspace.slug, pool.pk, group.pk]
    )
    users = next(d for d in line.details if d.label == "Users")
    assert [p.label for p in users.parts if isinstance(p, Ref)] == [
        "Ann Lee (ann@example.com)"
    ]
    assert detail(line)["Already members"] == "0"
    assert str(ann.pk) not in line.details_text  # no raw ids


def test_settings_changes_read_as_labelled_old_and_new_values(workspace, owner, pool):
    pool_update(pool=pool, actor=owner, name="Clients", description="VIP")
    line = latest(workspace)
    assert line.text == f"{owner.email} changed the settings of Clients"
    assert detail(line) == {"Name": "Customers → Clients", "Description": "none → VIP"}
    services.workspace_update(
        workspace=workspace, actor=owner, name="Acme", description=""
    )
    line = latest(workspace)
    assert line.text == f"{owner.email} changed the workspace settings"
    assert "{" not in line.details_text and "None" not in line.details_text


def test_a_deleted_user_is_named_by_what_the_event_recorded(
    workspace, owner, pool, ann
):
    user_services.pool_user_delete(user=ann, actor=owner)
    line = latest(workspace)
    assert line.text == f"{owner.email} deleted ann@example.com from Customers"
    assert links(line) == {
        "Customers": reverse(
            "identity_pools:pool_detail", args=[workspace.slug, pool.pk]
        )
    }
    assert detail(line) == {"Identifiers": "ann@example.com"}


def test_an_object_gone_without_a_record_shows_a_short_id(workspace):
    event = AuditEventFactory(
        workspace_id=workspace.pk,
        action="pool_user.activated",
        target_type="identity_pools.pooluser",
        target_id="01a21ccf-1111-7222-8333-444455556666",
        details={"from": "new", "to": "active"},
    )
    line = activity_lines(workspace=workspace, events=[event])[0]
    assert line.text == "tests activated user 01a21ccf"
    assert detail(line) == {"Status": "new → active"}


def test_an_unknown_action_gets_a_readable_fallback(workspace):
    event = AuditEventFactory(
        workspace_id=workspace.pk,
        action="billing.plan_changed",
        details={"plan_codes": ["gold", None], "extra": {"trial": True}, "n": 1200},
    )
    line = activity_lines(workspace=workspace, events=[event])[0]
    assert line.text == "tests did “billing: plan changed”"
    assert detail(line) == {
        "Plan codes": "gold, none",
        "Extra": "Trial: yes",
        "N": "1,200",
    }


def test_ids_of_another_workspace_name_nothing(workspace, owner, pool):
    theirs = PoolUserFactory(
        pool__workspace=WorkspaceFactory(), email="eve@example.com"
    )
    event = AuditEventFactory(
        workspace_id=workspace.pk,
        action="pool_user.activated",
        target_type="identity_pools.pooluser",
        target_id=str(theirs.pk),
    )
    line = activity_lines(workspace=workspace, events=[event])[0]
    assert "eve@example.com" not in line.text and links(line) == {}


def test_sign_in_sentences_put_codes_in_words(workspace, pool, ann):
    event = AuditEventFactory(
        workspace_id=workspace.pk,
        actor_label="ann@example.com",
        action="pool_user.sign_in_failed",
        target_type="identity_pools.pooluser",
        target_id=str(ann.pk),
        details={"method": "email_code", "reason": "bad_password"},
    )
    line = activity_lines(workspace=workspace, events=[event])[0]
    assert line.text == "Sign-in failed for Ann Lee (ann@example.com) in Customers"
    assert detail(line) == {"Method": "email code", "Reason": "wrong password"}
    assert line.kind == "sign_ins"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "none"),
        (True, "yes"),
        ([], "none"),
        (["a", "b"], "a, b"),
        ({"x_y": 1}, "X y: 1"),
        ("sms_code", "SMS code"),
        ("01a21ccf-ef48-7af9-a3ba-ffaef2b2e31c", "01a21ccf"),
    ],
)
def test_value_text_is_never_a_python_repr(value, text):
    assert value_text(value) == text


def test_describe_needs_no_database(workspace):
    class NoNames:
        def ref(self, *args):
            return None

        def within(self, *args):
            return None

    event = AuditEvent(
        workspace_id=workspace.pk,
        actor_type="operator",
        actor_label="op@example.com",
        action="group.deleted",
        target_type="identity_pools.group",
        target_id="01a21ccf-1111-7222-8333-444455556666",
        details={"name": "Admins", "members": 3},
    )
    line = describe(event, NoNames())
    assert line.text == "op@example.com deleted the group Admins"
    assert line.details_text == "Members: 3"
