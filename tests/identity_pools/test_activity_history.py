"""A pool user's History: sentences, with the group changes that list the user
(found by a JSON containment an index serves)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from core.models import AuditEvent
from identity_pools.selectors import pool_user_history
from identity_pools.services import groups as group_services
from identity_pools.services import users as user_services
from identity_pools.services.pools import pool_create
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(workspace, owner):
    return pool_create(workspace=workspace, actor=owner, name="Customers")


@pytest.fixture
def ann(pool):
    return PoolUserFactory(pool=pool, email="ann@example.com", display_name="Ann Lee")


def test_history_shows_the_users_group_changes(
    owner_client, workspace, owner, pool, ann
):
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    admins = group_services.group_create(pool=pool, actor=owner, name="Admins")
    others = group_services.group_create(pool=pool, actor=owner, name="Others")
    group_services.group_assign_users(
        group=admins, actor=owner, user_ids=[ann.pk, bob.pk]
    )
    group_services.group_assign_users(group=others, actor=owner, user_ids=[bob.pk])
    group_services.group_remove_users(group=admins, actor=owner, user_ids=[ann.pk])
    user_services.pool_user_set_status(user=ann, actor=owner, status="inactive")
    page = reverse(
        "identity_pools:pool_user_detail", args=[workspace.slug, pool.pk, ann.pk]
    )
    response = owner_client.get(page)
    assert [line.text for line in response.context["history"]] == [
        f"{owner.email} deactivated Ann Lee (ann@example.com) in Customers",
        f"{owner.email} removed 1 user from the group Admins in Customers",
        f"{owner.email} added 2 users to the group Admins in Customers",
    ]
    html = response.content.decode()
    group_url = reverse(
        "identity_pools:group_detail", args=[workspace.slug, pool.pk, admins.pk]
    )
    assert f'<a href="{group_url}">Admins</a>' in html
    assert ">Others</a>" not in html  # bob's group, not ann's
    changes = owner_client.get(page, {"history": "changes"}).context["history"]
    assert len(changes) == 3
    assert owner_client.get(page, {"history": "sign_in"}).context["history"] == []


def test_history_is_only_this_workspaces(workspace, owner, pool, ann):
    AuditEvent.objects.create(
        workspace_id=None,
        action="group.users_assigned",
        details={"users": [str(ann.pk)]},
    )
    assert list(pool_user_history(user=ann)) == []


@pytest.mark.postgresql(reason="the GIN index is PostgreSQL's")
def test_group_change_lookup_can_use_the_index(ann):
    from identity_pools.selectors import group_member_q

    query = AuditEvent.objects.filter(group_member_q(str(ann.pk))).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "core_audit_group_users_gin" in plan
