"""API tokens moved from the accounts app to workspaces (accounts 0015,
workspaces 0010): a database holding tokens and events that name them keeps
both working across the move, and the move can be undone."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from core.audit import SystemActor, audit_record
from core.audit_text import Ref
from core.models import AuditEvent
from core.tokens import token_hash
from tests.api.conftest import ApiClient
from tests.factories import IdentityPoolFactory
from workspaces.activity import activity_lines
from workspaces.models import ApiToken

BEFORE = [
    ("accounts", "0014_authcode_nonce_index_remove"),
    ("workspaces", "0009_application_require_two_factors"),
]
SECRET = "ipt_" + "s" * 43


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


def links(line):
    return {p.label: p.url for p in line.parts if isinstance(p, Ref) and p.url}


@pytest.mark.django_db(transaction=True)
def test_tokens_and_the_events_naming_them_survive_the_move(workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    old = migrate(BEFORE)
    token = old.get_model("accounts", "ApiToken").objects.create(
        workspace_id=workspace.pk,
        name="CI",
        prefix=SECRET[:10],
        token_hash=token_hash(SECRET),
        scopes=["read"],
    )
    audit_record(
        actor=SystemActor("tests"),
        action="api_token.created",
        workspace=workspace,
        target=token,
        details={"name": "CI", "scopes": ["read"]},
    )
    AuditEvent.objects.create(
        actor_type="api_token",
        actor_id=str(token.pk),
        actor_label="API token CI",
        workspace_id=workspace.pk,
        action="pool.updated",
        target_type="identity_pools.identitypool",
        target_id=str(pool.pk),
    )
    ContentType.objects.clear_cache()
    assert ContentType.objects.get(model="apitoken").app_label == "accounts"

    migrate(None)

    moved = ApiToken.objects.get()
    assert (moved.pk, moved.name, moved.scopes) == (token.pk, "CI", ["read"])
    assert ApiClient(SECRET).get("/api/v1/pools").status_code == 200
    events = AuditEvent.objects.for_workspace(workspace).order_by("id")
    assert [e.target_type for e in events] == [
        "workspaces.apitoken",
        "identity_pools.identitypool",
    ]
    page = reverse("workspaces:api_token_list", args=[workspace.slug])
    created, used = activity_lines(workspace=workspace, events=events)
    assert links(created)["CI"] == page and links(used)["CI"] == page
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(ApiToken).app_label == "workspaces"
    assert not ContentType.objects.filter(app_label="accounts", model="apitoken")

    old = migrate(BEFORE)
    assert old.get_model("accounts", "ApiToken").objects.get().pk == token.pk
    assert AuditEvent.objects.filter(target_type="accounts.apitoken").count() == 1
    migrate(None)
    assert ApiToken.objects.get().pk == token.pk
