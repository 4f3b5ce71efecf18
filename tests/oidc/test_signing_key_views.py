"""Workspace → Signing keys: the list (newest first, in a constant number of
queries), rotating (owners and admins; confirmed; the JWKS then has the new
next key, the old active key shows retired), viewers look only, other
workspaces' operators get 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from oidc.models import Application, SigningKey
from oidc.signing_key_views import duration_words
from oidc.signing_keys import (
    signing_key_rotate,
    signing_keys_ensure,
    workspace_jwks,
)
from tests.factories import WorkspaceFactory
from tests.oidc.oidc_helpers import console_url as url
from workspaces.models import Role

pytestmark = pytest.mark.django_db

State = SigningKey.State


def kids(workspace):
    return {k["kid"] for k in workspace_jwks(workspace=workspace)["keys"]}


def test_list_shows_the_keys_newest_first(owner_client, workspace, owner):
    active = signing_keys_ensure(workspace=workspace)
    upcoming = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    theirs = signing_keys_ensure(workspace=WorkspaceFactory())
    page = owner_client.get(url(workspace, "signing_key_list"))
    assert page.status_code == 200
    assert [k.kid for k in page.context["keys"]] == [upcoming.kid, active.kid]
    body = page.content.decode()
    assert active.kid in body and upcoming.kid in body and theirs.kid not in body
    assert "starts signing at the next rotation" in body
    assert "signs new ES256 tokens" in body
    assert url(workspace, "signing_key_rotate") in body
    assert 'aria-current="page">Signing keys</a>' in body


def test_list_without_keys(owner_client, workspace):
    page = owner_client.get(url(workspace, "signing_key_list"))
    assert page.status_code == 200 and page.context["keys"] == []
    assert "No keys yet" in page.content.decode()


def test_list_is_a_constant_number_of_queries(owner_client, workspace, owner):
    signing_keys_ensure(workspace=workspace)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(workspace, "signing_key_list")).status_code
        return len(queries)

    few = count()
    for _ in range(3):
        signing_key_rotate(workspace=workspace, actor=owner, keep_seconds=3600)
    signing_keys_ensure(workspace=workspace, alg="RS256")
    assert SigningKey.objects.filter(workspace=workspace).count() == 7
    assert count() == few


def test_admin_rotates_and_the_jwks_has_the_new_next_key(client, workspace, member_of):
    client.force_login(member_of(workspace, Role.ADMIN))
    old = signing_keys_ensure(workspace=workspace)
    published = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    page = client.get(url(workspace, "signing_key_rotate"))
    assert page.status_code == 200
    assert "stays published for 1 hour" in page.content.decode()
    response = client.post(
        url(workspace, "signing_key_rotate"), {"alg": "ES256", "confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(workspace, "signing_key_list")
    old.refresh_from_db()
    published.refresh_from_db()
    upcoming = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    assert published.state == State.ACTIVE and old.state == State.RETIRED
    assert (old.retire_after - old.retired_at).total_seconds() == 3600
    assert kids(workspace) == {old.kid, published.kid, upcoming.kid}
    listed = client.get(response["Location"])
    body = listed.content.decode()
    assert f"Keys rotated: {published.kid} now signs ES256 tokens." in body
    states = {k.kid: k.state for k in listed.context["keys"]}
    assert states == {old.kid: "retired", published.kid: "active", upcoming.kid: "next"}
    assert "still published so that the tokens it signed" in body
    event = AuditEvent.objects.get(action="signing_key.rotated")
    assert event.details["activated"] == published.kid
    assert event.details["keep_seconds"] == 3600


def test_rotation_keeps_retired_keys_for_the_longest_access_token(
    owner_client, workspace
):
    Application.objects.create(
        workspace=workspace, name="Shop", kind="spa", access_token_seconds=86_400
    )
    old = signing_keys_ensure(workspace=workspace, alg="RS256")
    es = signing_keys_ensure(workspace=workspace)
    page = owner_client.get(url(workspace, "signing_key_rotate"))
    assert "stays published for 24 hours" in page.content.decode()
    response = owner_client.post(
        url(workspace, "signing_key_rotate"), {"alg": "RS256", "confirm": "on"}
    )
    assert response.status_code == 302
    old.refresh_from_db()
    es.refresh_from_db()
    assert old.state == State.RETIRED and es.state == State.ACTIVE
    assert (old.retire_after - old.retired_at).total_seconds() == 86_400


def test_rotation_needs_the_confirmation(owner_client, workspace):
    active = signing_keys_ensure(workspace=workspace)
    response = owner_client.post(url(workspace, "signing_key_rotate"), {"alg": "ES256"})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["confirm"]] == ["signing_key_rotate_unconfirmed"]
    bad = owner_client.post(
        url(workspace, "signing_key_rotate"), {"alg": "HS256", "confirm": "on"}
    )
    assert [e.code for e in bad.context["form"].errors.as_data()["alg"]] == [
        "invalid_choice"
    ]
    active.refresh_from_db()
    assert active.state == State.ACTIVE
    assert not AuditEvent.objects.filter(action="signing_key.rotated").exists()


def test_viewers_see_the_keys_but_cannot_rotate(client, workspace, member_of):
    active = signing_keys_ensure(workspace=workspace)
    client.force_login(member_of(workspace, Role.VIEWER))
    page = client.get(url(workspace, "signing_key_list"))
    body = page.content.decode()
    assert page.status_code == 200 and active.kid in body
    assert url(workspace, "signing_key_rotate") not in body
    assert "Only owners and admins can rotate keys." in body
    assert client.get(url(workspace, "signing_key_rotate")).status_code == 403
    response = client.post(
        url(workspace, "signing_key_rotate"), {"alg": "ES256", "confirm": "on"}
    )
    assert response.status_code == 403
    active.refresh_from_db()
    assert active.state == State.ACTIVE


def test_another_workspaces_operator_gets_404(client, workspace, member_of):
    signing_keys_ensure(workspace=workspace)
    client.force_login(member_of(WorkspaceFactory(), Role.OWNER))
    for name in ("signing_key_list", "signing_key_rotate"):
        assert client.get(url(workspace, name)).status_code == 404
    response = client.post(
        url(workspace, "signing_key_rotate"), {"alg": "ES256", "confirm": "on"}
    )
    assert response.status_code == 404
    assert SigningKey.objects.filter(state=State.RETIRED).count() == 0


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(3600, "1 hour"), (86_400, "24 hours"), (5400, "90 minutes"), (61, "2 minutes")],
)
def test_duration_words(seconds, words):
    assert duration_words(seconds) == words
