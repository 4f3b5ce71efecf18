"""Imported hashes that would make each sign-in attempt cost seconds are refused;
an existing hash through POST …/users needs the `import` scope."""

from __future__ import annotations

import base64

import bcrypt
import pytest
from argon2 import PasswordHasher

from identity_pools.models import PoolUser
from identity_pools.transfer.hashes import password_hash_encoded
from identity_pools.transfer.messages import RecordProblem
from tests.api.test_api_users import ANN, create

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "value",
    [
        {  # 10,000,000 iterations × 7 blocks: seconds a check
            "algorithm": "pbkdf2-sha1",
            "iterations": 10_000_000,
            "salt": b64(b"salt"),
            "value": b64(b"x" * 128),
        },
        {
            "algorithm": "pbkdf2-sha512",
            "iterations": 2_000_000,
            "salt": b64(b"salt"),
            "value": b64(b"x" * 128),
        },
        "pbkdf2_sha256$9000000$salt$" + b64(b"x" * 32),
        "$2b$14$" + "a" * 53,
        "argon2id"
        + "$argon2id$v=19$m=262144,t=4,p=1$"
        + "c2FsdHNhbHRzYWx0"
        + "$"
        + "a" * 43,
    ],
)
def test_costly_hashes_are_refused(value):
    with pytest.raises(RecordProblem) as info:
        password_hash_encoded(value)
    assert info.value.key == "password_hash_malformed"
    # refused for its cost, not for its shape
    problem = info.value.params["problem"]
    assert any(word in problem for word in ("cost", "costly", "not within"))


def test_reasonable_hashes_pass():
    password_hash_encoded(bcrypt.hashpw(b"pw", bcrypt.gensalt(12)).decode())
    password_hash_encoded(
        {
            "algorithm": "pbkdf2-sha256",
            "iterations": 27_500,
            "salt": b64(b"salt"),
            "value": b64(b"x" * 32),
        }
    )
    password_hash_encoded(PasswordHasher(memory_cost=102_400, time_cost=2).hash("pw"))


def test_an_existing_hash_needs_the_import_scope(client_for, workspace, pool):
    raw = bcrypt.hashpw(b"an old password", bcrypt.gensalt(4)).decode()
    body = {
        "identifiers": [{"value": "ann@example.com", "verified": True}],
        "user_data": ANN,
        "password_hash": raw,
    }
    refused = create(client_for(workspace, scopes=["read", "write"]), pool, **body)
    assert refused.status_code == 403
    assert not PoolUser.objects.filter(pool=pool).exists()
    done = create(client_for(workspace, scopes=["write", "import"]), pool, **body)
    assert done.status_code == 201
