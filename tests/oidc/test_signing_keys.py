"""Workspaces' signing keys: encrypted at rest, rotated with the new key
published before it signs, and published as the workspace's JWKS."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from core.models import AuditEvent
from oidc import signing_keys
from oidc.models import Application, SigningKey
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

State = SigningKey.State
DAY = 86_400


def kids(jwks):
    return sorted(k["kid"] for k in jwks["keys"])


def sign(key: SigningKey, claims=None) -> str:
    header = {"alg": key.alg, "kid": key.kid}
    return jwt.encode(
        header, claims or {"sub": "ann"}, signing_keys.signing_key_private(key)
    )


def verifies(token: str, jwks: dict) -> bool:
    try:
        jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["ES256", "RS256"])
    except Exception:
        return False
    return True


def raw(key: SigningKey) -> bytes:
    return bytes(SigningKey.objects.get(pk=key.pk).private_key_encrypted)


def test_ensure_makes_an_active_and_a_next_key_and_is_idempotent(workspace):
    key = signing_keys.signing_keys_ensure(workspace=workspace)
    assert key.state == State.ACTIVE and key.alg == "ES256"
    assert key.activated_at is not None
    upcoming = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    assert upcoming.alg == "ES256" and upcoming.activated_at is None
    assert signing_keys.signing_keys_ensure(workspace=workspace) == key
    assert SigningKey.objects.count() == 2
    assert key.public_jwk["kid"] == key.kid
    assert key.public_jwk["alg"] == "ES256" and key.public_jwk["use"] == "sig"
    assert "d" not in key.public_jwk
    # Both published, the active one first.
    assert signing_keys.workspace_jwks(workspace=workspace) == {
        "keys": [key.public_jwk, upcoming.public_jwk]
    }


def test_ensure_keeps_an_existing_next_key(workspace):
    upcoming = signing_keys.signing_key_create(workspace=workspace)
    key = signing_keys.signing_keys_ensure(workspace=workspace)
    assert key.state == State.ACTIVE
    assert list(SigningKey.objects.filter(workspace=workspace, state=State.NEXT)) == [
        upcoming
    ]


def test_ensure_makes_keys_per_alg(workspace):
    signing_keys.signing_keys_ensure(workspace=workspace)
    rs = signing_keys.signing_keys_ensure(workspace=workspace, alg="RS256")
    assert rs.alg == "RS256" and rs.state == State.ACTIVE
    states = sorted(
        SigningKey.objects.filter(workspace=workspace).values_list("alg", "state")
    )
    assert states == [
        ("ES256", "active"),
        ("ES256", "next"),
        ("RS256", "active"),
        ("RS256", "next"),
    ]


def test_first_rotation_activates_a_key_that_was_already_published(workspace, owner):
    signing_keys.signing_keys_ensure(workspace=workspace)
    published = kids(signing_keys.workspace_jwks(workspace=workspace))
    new = signing_keys.signing_key_rotate(
        workspace=workspace, actor=owner, keep_seconds=DAY
    )
    assert new.kid in published


def test_create_refuses_a_second_active_key(workspace):
    signing_keys.signing_key_create(workspace=workspace, state=State.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        signing_keys.signing_key_create(workspace=workspace, state=State.ACTIVE)
    with pytest.raises(ValueError):
        signing_keys.signing_key_create(workspace=workspace, state=State.RETIRED)
    with pytest.raises(ValueError):
        signing_keys.signing_key_create(workspace=workspace, alg="HS256")


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_private_key_is_encrypted_and_decrypts_to_the_public_key(workspace, alg):
    key = signing_keys.signing_key_create(workspace=workspace, alg=alg)
    stored = raw(key)
    private = signing_keys.signing_key_private(SigningKey.objects.get(pk=key.pk))
    assert b"PRIVATE KEY" not in stored and b"-----" not in stored
    d = private.as_dict(private=True)["d"]
    assert d.encode() not in stored
    assert private.as_pem(private=True) not in stored
    assert private.as_dict(private=False) == key.public_jwk
    assert private.kid == key.kid
    assert str(key) == f"{key.kid} ({alg}, next)" and d not in repr(key)


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(workspace):
    one = signing_keys.signing_key_create(workspace=workspace)
    other = signing_keys.signing_key_create(
        workspace=WorkspaceFactory(), alg="ES256", state=State.NEXT
    )
    SigningKey.objects.filter(pk=other.pk).update(private_key_encrypted=raw(one))
    with pytest.raises(InvalidTag):
        signing_keys.signing_key_private(SigningKey.objects.get(pk=other.pk))
    signing_keys.signing_key_private(SigningKey.objects.get(pk=one.pk))


def test_keys_need_the_secret_they_were_sealed_with(workspace, settings):
    settings.SIGNING_KEYS_SECRET = "first-secret"
    key = signing_keys.signing_key_create(workspace=workspace)
    settings.SIGNING_KEYS_SECRET = "second-secret"
    with pytest.raises(InvalidTag):
        signing_keys.signing_key_private(key)
    settings.SIGNING_KEYS_SECRET = "first-secret"
    signing_keys.signing_key_private(key)


def test_rotation_publishes_before_use_and_keeps_the_old_key(workspace, owner):
    first = signing_keys.signing_keys_ensure(workspace=workspace)
    published = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    old_token = sign(first)
    # The first rotation activates the key ensure published beside the first.
    second = signing_keys.signing_key_rotate(
        workspace=workspace, actor=owner, keep_seconds=DAY
    )
    assert second.pk == published.pk
    first.refresh_from_db()
    upcoming = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    assert first.state == State.RETIRED and second.state == State.ACTIVE
    assert first.retire_after - first.retired_at == timedelta(seconds=DAY)
    jwks = signing_keys.workspace_jwks(workspace=workspace)
    assert kids(jwks) == sorted([first.kid, second.kid, upcoming.kid])
    assert jwks["keys"][0]["kid"] == second.kid
    assert verifies(old_token, jwks) and verifies(sign(second), jwks)

    # The second rotation activates the key published by the first.
    third = signing_keys.signing_key_rotate(
        workspace=workspace, actor=owner, keep_seconds=DAY
    )
    assert third.pk == upcoming.pk and third.activated_at is not None
    second.refresh_from_db()
    assert second.state == State.RETIRED
    latest_next = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    jwks = signing_keys.workspace_jwks(workspace=workspace)
    assert kids(jwks) == sorted([first.kid, second.kid, third.kid, latest_next.kid])
    assert verifies(old_token, jwks)

    # Past retire_after a retired key is no longer published.
    SigningKey.objects.filter(pk=first.pk).update(
        retire_after=timezone.now() - timedelta(seconds=1)
    )
    jwks = signing_keys.workspace_jwks(workspace=workspace)
    assert kids(jwks) == sorted([second.kid, third.kid, latest_next.kid])
    assert not verifies(old_token, jwks)

    events = AuditEvent.objects.filter(action="signing_key.rotated")
    assert events.count() == 2
    details = events.order_by("created_at").last().details
    assert details["activated"] == third.kid and details["retired"] == second.kid
    assert details["next"] == latest_next.kid
    text = json.dumps(list(events.values_list("details", flat=True)))
    for key in SigningKey.objects.all():
        d = signing_keys.signing_key_private(key).as_dict(private=True)["d"]
        assert d not in text

    # The next rotation deletes the retired keys past their time.
    signing_keys.signing_key_rotate(workspace=workspace, actor=owner, keep_seconds=60)
    assert not SigningKey.objects.filter(pk=first.pk).exists()
    assert events.order_by("created_at").last().details["deleted"] == [first.kid]


def test_rs256_keys_rotate_and_verify_beside_es256(workspace, owner):
    es = signing_keys.signing_keys_ensure(workspace=workspace)
    rs = signing_keys.signing_keys_ensure(workspace=workspace, alg="RS256")
    assert rs.public_jwk["kty"] == "RSA" and rs.public_jwk["alg"] == "RS256"
    rs_token = sign(rs)
    new_rs = signing_keys.signing_key_rotate(
        workspace=workspace, alg="RS256", actor=owner, keep_seconds=DAY
    )
    es.refresh_from_db()
    assert es.state == State.ACTIVE and new_rs.alg == "RS256"
    jwks = signing_keys.workspace_jwks(workspace=workspace)
    # ES256 active and next; RS256 active, next and the retired one.
    assert len(jwks["keys"]) == 5
    assert verifies(rs_token, jwks) and verifies(sign(new_rs), jwks)
    assert verifies(sign(es), jwks)


def test_another_workspaces_keys_are_never_published_here(workspace):
    other = WorkspaceFactory()
    mine = signing_keys.signing_keys_ensure(workspace=workspace)
    theirs = signing_keys.signing_keys_ensure(workspace=other)
    jwks = signing_keys.workspace_jwks(workspace=workspace)
    mine_next = SigningKey.objects.get(workspace=workspace, state=State.NEXT)
    assert kids(jwks) == sorted([mine.kid, mine_next.kid])
    assert not verifies(sign(theirs), jwks)


def test_jwks_is_one_query(workspace, owner, django_assert_num_queries):
    signing_keys.signing_keys_ensure(workspace=workspace)
    signing_keys.signing_key_rotate(workspace=workspace, actor=owner, keep_seconds=60)
    with django_assert_num_queries(1):
        assert len(signing_keys.workspace_jwks(workspace=workspace)["keys"]) == 3


def _in_threads(target, n=2):
    from django.db import connections

    barrier = threading.Barrier(n)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_leave_one_active_key_per_alg(workspace, owner):
    signing_keys.signing_keys_ensure(workspace=workspace)

    def rotate_both():
        for alg in ("ES256", "RS256"):
            signing_keys.signing_key_rotate(
                workspace=workspace, alg=alg, actor=owner, keep_seconds=DAY
            )

    assert _in_threads(rotate_both, n=3) == []
    for alg in ("ES256", "RS256"):
        keys = SigningKey.objects.filter(workspace=workspace, alg=alg)
        assert keys.filter(state=State.ACTIVE).count() == 1
        assert keys.filter(state=State.NEXT).count() == 1
    assert AuditEvent.objects.filter(action="signing_key.rotated").count() == 6
    assert SigningKey.objects.filter(state=State.RETIRED, alg="ES256").count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_ensures_make_one_key(workspace):
    assert (
        _in_threads(lambda: signing_keys.signing_keys_ensure(workspace=workspace)) == []
    )
    keys = SigningKey.objects.filter(workspace=workspace)
    assert sorted(keys.values_list("state", flat=True)) == ["active", "next"]


def test_deleting_the_workspace_deletes_its_keys(workspace):
    signing_keys.signing_keys_ensure(workspace=workspace)
    other = WorkspaceFactory()
    signing_keys.signing_keys_ensure(workspace=other)
    workspace.delete()
    assert SigningKey.objects.count() == 2
    assert not SigningKey.objects.exclude(workspace=other).exists()


def test_keep_seconds_is_the_longest_access_token_at_least_an_hour(workspace):
    assert signing_keys.signing_key_keep_seconds(workspace=workspace) == 3600
    for name, seconds in [("A", 600), ("B", 7200), ("C", 3600)]:
        Application.objects.create(
            workspace=workspace,
            name=name,
            kind="spa",
            access_token_seconds=seconds,
        )
    Application.objects.create(
        workspace=WorkspaceFactory(),
        name="Theirs",
        kind="spa",
        access_token_seconds=86_400,
    )
    assert signing_keys.signing_key_keep_seconds(workspace=workspace) == 7200
    Application.objects.filter(workspace=workspace, name="B").update(
        access_token_seconds=60
    )
    assert signing_keys.signing_key_keep_seconds(workspace=workspace) == 3600


def test_list_is_the_workspaces_keys_newest_first(
    workspace, owner, django_assert_num_queries
):
    signing_keys.signing_keys_ensure(workspace=workspace)
    signing_keys.signing_key_rotate(workspace=workspace, actor=owner, keep_seconds=60)
    signing_keys.signing_keys_ensure(workspace=WorkspaceFactory())
    with django_assert_num_queries(1):
        keys = signing_keys.signing_key_list(workspace=workspace)
    assert len(keys) == 3 and {k.workspace_id for k in keys} == {workspace.pk}
    created = [k.created_at for k in keys]
    assert created == sorted(created, reverse=True)
    assert keys[0].state == State.NEXT and keys[-1].state == State.RETIRED
