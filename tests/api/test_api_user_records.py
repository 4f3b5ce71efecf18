"""POST …/users with the import record's shape: several identifiers, verified
flags, a status, groups, an existing password hash, a chosen id."""

from __future__ import annotations

import uuid

import bcrypt
import pytest

from accounts.flows.sign_in import sign_in_password
from core.models import AuditEvent
from identity_pools.models import Identifier, PoolUser
from tests.api.test_api_users import ANN, create
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

SECRET = "an old password from the old system"


def test_a_full_record_with_an_existing_hash_signs_in(api_client, pool):
    GroupFactory(pool=pool, name="Staff")
    chosen = uuid.uuid4()
    raw = bcrypt.hashpw(SECRET.encode(), bcrypt.gensalt(4)).decode()
    response = create(
        api_client,
        pool,
        id=str(chosen),
        identifiers=[
            {"type": "email", "value": "Ann@Example.com", "verified": True},
            {"type": "phone", "value": "+14155550100"},
        ],
        status="active",
        user_data=ANN,
        groups=["Staff"],
        password_hash=raw,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == str(chosen)
    assert [g["name"] for g in body["groups"]] == ["Staff"]
    values = dict(
        Identifier.objects.filter(user_id=chosen).values_list("value", "is_verified")
    )
    assert values == {"ann@example.com": True, "+14155550100": False}
    pool.refresh_from_db()
    assert pool.user_count == 1
    outcome = sign_in_password(
        pool=pool, identifier="ann@example.com", password=SECRET, ip="127.0.0.1"
    )
    assert outcome.user.pk == chosen
    assert AuditEvent.objects.filter(action="pool_users.imported").count() == 1


def test_a_bad_record_is_400_with_paths_and_writes_nothing(api_client, pool):
    response = create(
        api_client,
        pool,
        identifiers=[{"value": "ann@example.com"}, {"value": "not an address"}],
        status="active",
        user_data=ANN,
        password_hash="md5$nope",
    )
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {"/identifiers/1/value", "/password_hash"}
    unknown_group = create(
        api_client,
        pool,
        identifiers=[{"value": "ann@example.com", "verified": True}],
        groups=["Nobody"],
    )
    assert unknown_group.status_code == 400
    assert [e["path"] for e in unknown_group.json()["errors"]] == ["/groups/0"]
    assert not PoolUser.objects.filter(pool=pool).exists()


def test_a_plain_password_meets_the_pool_policy(api_client, pool):
    response = create(
        api_client,
        pool,
        identifiers=[{"value": "ann@example.com", "verified": True}],
        user_data=ANN,
        password="short",
    )
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"/password"}
    assert not PoolUser.objects.filter(pool=pool).exists()


def test_an_invitation_takes_one_identifier(api_client, pool):
    response = create(
        api_client,
        pool,
        identifiers=[{"value": "ann@example.com"}, {"value": "+14155550100"}],
        user_data=ANN,
        invite=True,
    )
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["/invite"]
    assert not PoolUser.objects.filter(pool=pool).exists()
