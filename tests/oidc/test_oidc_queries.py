"""The token endpoint's statements: how many a code exchange and a refresh
take (so that they cannot grow back), and that folding the claim, the token
and its audit event into one statement keeps codes single-use and reuse
detection intact when another request claims first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent
from oidc import server, views
from oidc.models import AuthorizationCode, OAuthToken
from workspaces.models import Workspace

from .oidc_helpers import basic, exchange, get_code, make_user, refresh, userinfo
from .oidc_helpers import token_url as url

pytestmark = pytest.mark.django_db

# The client with the address's failure count; the code (or refresh token)
# with its user, the pool check and the identifiers; the claim, the token and
# its audit event. No BEGIN/COMMIT: each is one autocommitted statement.
STATEMENTS = 3
# Elsewhere the reads are ORM queries and the writes one transaction.
postgresql_only = pytest.mark.postgresql(
    reason="pins the one statement PostgreSQL runs; SQLite runs the ORM's queries"
)


def signed_in(client, workspace, web):
    """A first exchange (it also caches the workspace): its tokens."""
    pool, application, secret = web
    make_user(pool)
    code, verifier = get_code(client, workspace, application, pool)
    response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 200, response.content
    return response.json()


@postgresql_only
def test_code_exchange_statements(client, workspace, web, django_assert_num_queries):
    pool, application, secret = web
    signed_in(client, workspace, web)
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    with django_assert_num_queries(STATEMENTS) as captured:
        response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 200, response.content
    assert response.json()["id_token"]
    assert captured.captured_queries[-1]["sql"].startswith("WITH w0 AS (UPDATE")
    assert AuthorizationCode.objects.filter(used_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="oauth.token_issued").count() == 2
    assert OAuthToken.objects.filter(application=application).count() == 2


@postgresql_only
def test_a_workspaces_first_token_request_takes_as_many(
    client, workspace, web, django_assert_num_queries
):
    """The workspace is read with the client and the failure count from the
    first request on: no per-process cache of workspaces to go stale, and no
    second run of an exchange when one did. (The signing key is kept per
    process: read here first.)"""
    from oidc.signing_keys import signing_key_for_signing

    pool, application, secret = web
    make_user(pool)
    signing_key_for_signing(workspace=workspace, alg=application.id_token_alg)
    code, verifier = get_code(client, workspace, application, pool)
    with django_assert_num_queries(STATEMENTS):
        response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 200, response.content


def test_token_endpoint_needs_no_csrf_token(workspace, web):
    """Applications call it directly: client authentication, not CSRF."""
    _pool, application, secret = web
    form = {"grant_type": "refresh_token", "refresh_token": "iprt_no"}
    browserless = Client(enforce_csrf_checks=True)
    response = browserless.post(
        url(workspace), form, headers=basic(application, secret)
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert browserless.get(url(workspace)).status_code == 405


@postgresql_only
def test_refresh_statements(client, workspace, web, django_assert_num_queries):
    _pool, application, secret = web
    tokens = signed_in(client, workspace, web)
    with django_assert_num_queries(STATEMENTS):
        response = refresh(
            client, workspace, application, secret, tokens["refresh_token"]
        )
    assert response.status_code == 200, response.content
    assert response.json()["refresh_token"] != tokens["refresh_token"]
    old, new = OAuthToken.objects.order_by("issued_at")
    assert old.rotated_at is not None and new.rotated_at is None
    assert old.family == new.family


def test_code_claimed_meanwhile_issues_nothing(client, workspace, web, monkeypatch):
    """Another exchange of the same code wins between our read and our write:
    nothing is issued and what the winner got is revoked."""
    pool, application, secret = web
    signed_in(client, workspace, web)
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    row = AuthorizationCode.objects.get(used_at=None)
    now = timezone.now()
    winner = OAuthToken.objects.create(
        application=application,
        user=row.user,
        family=row.family,
        access_token_hash="w" * 64,
        issued_at=now,
        access_expires_at=now + timedelta(hours=1),
    )
    authenticate_user = server.AuthorizationCodeGrant.authenticate_user

    def concurrent_winner(grant, authorization_code):
        AuthorizationCode.objects.filter(pk=row.pk).update(used_at=now)
        return authenticate_user(grant, authorization_code)

    monkeypatch.setattr(
        server.AuthorizationCodeGrant, "authenticate_user", concurrent_winner
    )
    response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert OAuthToken.objects.filter(family=row.family).count() == 1
    winner.refresh_from_db()
    assert winner.revoked_at is not None
    revoked = AuditEvent.objects.get(action="oauth.family_revoked")
    assert revoked.details["reason"] == "code_reused"
    assert AuditEvent.objects.filter(action="oauth.token_issued").count() == 1


def test_refresh_rotated_meanwhile_revokes_the_family(
    client, workspace, web, monkeypatch
):
    _pool, application, secret = web
    tokens = signed_in(client, workspace, web)
    authenticate_user = server.RefreshTokenGrant.authenticate_user

    def concurrent_winner(grant, token):
        OAuthToken.objects.filter(pk=token.pk).update(rotated_at=timezone.now())
        return authenticate_user(grant, token)

    monkeypatch.setattr(
        server.RefreshTokenGrant, "authenticate_user", concurrent_winner
    )
    response = refresh(client, workspace, application, secret, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    [only] = OAuthToken.objects.all()
    assert only.revoked_at is not None
    revoked = AuditEvent.objects.get(action="oauth.family_revoked")
    assert revoked.details["reason"] == "refresh_token_reused"


def test_a_failed_exchange_uses_the_code_up(client, workspace, web):
    """A wrong PKCE verifier fails after the code was read: the code is used
    up all the same, and trying it again counts as a reuse."""
    pool, application, secret = web
    signed_in(client, workspace, web)
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    wrong = exchange(client, workspace, application, code, verifier + "x", secret)
    assert wrong.status_code == 400
    assert AuthorizationCode.objects.filter(used_at__isnull=True).count() == 0
    again = exchange(client, workspace, application, code, verifier, secret)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    revoked = AuditEvent.objects.get(action="oauth.family_revoked")
    assert revoked.details["reason"] == "code_reused"
    assert AuditEvent.objects.filter(action="oauth.token_refused").count() == 2


def test_failure_limit_is_read_with_the_client(client, workspace, web, monkeypatch):
    """Past the limit, a request with the right secret and a good code is
    refused before anything is checked or used."""
    pool, application, secret = web
    signed_in(client, workspace, web)
    monkeypatch.setattr(views, "FAILURES", (2, 900))
    for _ in range(2):
        assert refresh(client, workspace, application, secret, "iprt_no").status_code
    code, verifier = get_code(client, workspace, application, pool, signed_in=True)
    limited = exchange(client, workspace, application, code, verifier, secret)
    assert limited.status_code == 429 and limited["Retry-After"]
    assert AuthorizationCode.objects.filter(used_at__isnull=True).count() == 1
    unknown = exchange(client, workspace, application, code, verifier, "wrong")
    assert unknown.status_code == 429


def test_past_the_limit_nothing_of_a_request_is_read(
    client, workspace, web, monkeypatch, django_assert_num_queries
):
    """The failure limit is checked once, first, for every request of the
    provider's endpoints: one that names no client is refused as one that
    does, and so is another endpoint's; nothing is read but the workspace
    with the count, then when to try again."""
    _pool, application, secret = web
    monkeypatch.setattr(views, "FAILURES", (2, 900))
    for _ in range(2):
        refresh(client, workspace, application, secret, "iprt_no")
    with django_assert_num_queries(2):
        nameless = client.post(url(workspace), {"grant_type": "client_credentials"})
    assert nameless.status_code == 429 and nameless["Retry-After"]
    assert userinfo(client, workspace, "ipat_no").status_code == 429
    assert AuditEvent.objects.filter(action="oauth.token_refused").count() == 2


def test_renamed_workspace_is_looked_up_again(client, workspace, web):
    _pool, application, secret = web
    tokens = signed_in(client, workspace, web)
    old_slug = workspace.slug
    Workspace.objects.filter(pk=workspace.pk).update(slug="renamed-" + old_slug[:40])
    workspace.refresh_from_db()
    gone = client.post(
        url(workspace).replace(workspace.slug, old_slug),
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(application, secret),
    )
    assert gone.status_code == 404
    moved = refresh(client, workspace, application, secret, tokens["refresh_token"])
    assert moved.status_code == 200, moved.content
