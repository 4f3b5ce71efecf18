"""The workspace's JWKS: public, the workspace's keys only, cached by ETag,
and tokens signed with the active key verify against it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from core.audit import SystemActor
from oidc.signing_keys import (
    signing_key_private,
    signing_key_rotate,
    signing_keys_ensure,
)
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def jwks_url(workspace):
    return reverse("oidc:jwks", args=[workspace.slug])


def test_jwks_is_public_and_verifies_tokens(client, workspace):
    response = client.get(jwks_url(workspace))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    keys = response.json()["keys"]
    # The active and the next key of each algorithm: published before they sign.
    assert sorted(k["alg"] for k in keys) == ["ES256", "ES256", "RS256", "RS256"]
    assert all("d" not in k for k in keys)
    active = signing_keys_ensure(workspace=workspace)
    assert active.kid in {k["kid"] for k in keys}
    token = jwt.encode(
        {"alg": "ES256", "kid": active.kid}, {"sub": "x"}, signing_key_private(active)
    )
    claims = jwt.decode(token, KeySet.import_key_set(response.json())).claims
    assert claims == {"sub": "x"}


def test_jwks_answers_304_while_unchanged_and_changes_on_rotation(client, workspace):
    first = client.get(jwks_url(workspace))
    etag = first["ETag"]
    assert "max-age=300" in first["Cache-Control"]
    again = client.get(jwks_url(workspace), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    signing_key_rotate(
        workspace=workspace, actor=SystemActor("tests"), keep_seconds=3600
    )
    changed = client.get(jwks_url(workspace), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    # ES256: active, next, and the retired one; RS256: active and next.
    assert len(changed.json()["keys"]) == 5


def test_jwks_of_another_or_missing_workspace(client, workspace):
    other = WorkspaceFactory()
    mine = {k["kid"] for k in client.get(jwks_url(workspace)).json()["keys"]}
    theirs = {k["kid"] for k in client.get(jwks_url(other)).json()["keys"]}
    assert mine and theirs and not mine & theirs
    assert client.get("/w/no-such-workspace/.well-known/jwks.json").status_code == 404
    assert client.post(jwks_url(workspace)).status_code in (403, 405)
