"""The OpenID provider's models moved to the ``oidc`` app (issue 21) without
touching their rows: a database holding applications, connections, signing
keys, codes, tokens and consents from before the move has them all after it,
and the audit events about them name the new models, so the activity page
still shows their names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import SsoSession
from core.models import AuditEvent
from oidc.models import (
    Application,
    AuthorizationCode,
    Consent,
    IdpConnection,
    OAuthToken,
    SigningKey,
)
from tests.factories import IdentityPoolFactory, PoolUserFactory, WorkspaceFactory
from workspaces.activity import activity_lines

BEFORE = [
    ("workspaces", "0009_application_require_two_factors"),
    ("accounts", "0014_authcode_nonce_index_remove"),
    ("oidc", None),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def rows_before_the_move(old):
    """Rows written through the models as they were (``old``: the apps of
    the state before the move), with the events and content type naming
    them by their old labels."""
    workspace = WorkspaceFactory()
    pool = IdentityPoolFactory(workspace=workspace)
    user = PoolUserFactory(pool=pool)
    now = timezone.now()
    connection_row = old.get_model("workspaces", "IdpConnection").objects.create(
        workspace_id=workspace.pk, pool_id=pool.pk, display_name="Customers"
    )
    application = old.get_model("workspaces", "Application").objects.create(
        workspace_id=workspace.pk, name="Shop", kind="web", secret_hash="0" * 64
    )
    old.get_model("workspaces", "ApplicationConnection").objects.create(
        application_id=application.pk, connection_id=connection_row.pk
    )
    key = old.get_model("workspaces", "SigningKey").objects.create(
        workspace_id=workspace.pk,
        private_key_encrypted=b"sealed",
        public_jwk={"kty": "EC"},
        state="next",
    )
    session = old.get_model("accounts", "SsoSession").objects.create(
        user_id=user.pk, method="password", auth_time=now
    )
    code = old.get_model("accounts", "AuthorizationCode").objects.create(
        application_id=application.pk,
        user_id=user.pk,
        sso_session_id=session.pk,
        code_hash="c" * 64,
        redirect_uri="https://shop.example.com/callback",
        auth_time=now,
        expires_at=now + timedelta(minutes=1),
    )
    token = old.get_model("accounts", "OAuthToken").objects.create(
        application_id=application.pk,
        user_id=user.pk,
        sso_session_id=session.pk,
        family=code.family,
        access_token_hash="a" * 64,
        issued_at=now,
        access_expires_at=now + timedelta(hours=1),
    )
    old.get_model("accounts", "Consent").objects.create(
        application_id=application.pk, user_id=user.pk, scopes=["openid"]
    )
    for target_type, target_id, action in (
        ("workspaces.application", application.pk, "application.created"),
        ("workspaces.idpconnection", connection_row.pk, "idp.connected"),
        ("workspaces.signingkey", key.pk, "signing_key.rotated"),
        ("identity_pools.pooluser", user.pk, "oauth.token_issued"),
    ):
        AuditEvent.objects.create(
            workspace_id=workspace.pk,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details={"pool": str(pool.pk)},
        )
    # A real installation has the old content types, not yet the new ones.
    ContentType.objects.filter(app_label="oidc").delete()
    ContentType.objects.get_or_create(app_label="workspaces", model="application")
    return workspace, application, key, code, token, user


@pytest.mark.django_db(transaction=True)
def test_the_provider_models_move_with_their_rows_and_their_events_labels():
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[:2]).apps
    workspace, application, key, code, token, user = rows_before_the_move(old)

    executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    moved = Application.objects.get(pk=application.pk)
    assert moved.name == "Shop" and moved.workspace == workspace
    assert [c.display_name for c in moved.connections.all()] == ["Customers"]
    assert IdpConnection.objects.get().applications.get() == moved
    assert SigningKey.objects.get(pk=key.pk).public_jwk == {"kty": "EC"}
    assert AuthorizationCode.objects.get(pk=code.pk).application == moved
    token = OAuthToken.objects.get(pk=token.pk)
    assert (token.application, token.user) == (moved, user)
    assert token.sso_session == SsoSession.objects.get(user=user)
    assert Consent.objects.get().scopes == ["openid"]
    labels = set(AuditEvent.objects.values_list("target_type", flat=True))
    assert labels == {
        "oidc.application",
        "oidc.idpconnection",
        "oidc.signingkey",
        "identity_pools.pooluser",
    }
    assert ContentType.objects.get_for_model(Application).app_label == "oidc"
    assert not ContentType.objects.filter(app_label="workspaces", model="application")
    events = AuditEvent.objects.filter(action="application.created")
    [line] = activity_lines(workspace=workspace, events=events)
    assert "Shop" in str(line)

    migrate(BEFORE)  # and back: the old labels again
    labels = set(AuditEvent.objects.values_list("target_type", flat=True))
    assert "workspaces.application" in labels and "oidc.application" not in labels
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
