"""Imported password hashes (issue 20, 2.1): a wrong password against an
imported hash costs at most the pool's limit (default 4 checks of our own
Argon2id), and an unknown identifier, a native user and an imported user cost
the same work, so that neither CPU nor timing tells them apart.

The work is compared as the hashes each sign-in checks and the pauses it takes
(timing itself is measured by bench/imported_hashes.py, not here)."""

from __future__ import annotations

import importlib
import math

import bcrypt
import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from accounts.authenticators.passwords import services as passwords_module
from accounts.flows.sign_in import sign_in_password
from core.password_hashes import hash_cost, hash_like, hash_shape, is_own_hash
from identity_pools.credentials import PasswordCredential
from identity_pools.models import IdentityPool, PasswordPolicy
from identity_pools.policies.services import pool_update_password_policy
from identity_pools.transfer.hashes import password_hash_encoded
from identity_pools.transfer.imports import pool_users_import
from tests.api.test_import_hashes import FORMATS, PASSWORD
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def raw_bcrypt(cost: int, password: str = PASSWORD) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()


def pbkdf2(iterations: int, password: str = PASSWORD) -> str:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    return PBKDF2PasswordHasher().encode(password, "saltsalt", iterations=iterations)


def record(email: str, password_hash) -> dict:
    return {
        "identifiers": [{"value": email, "verified": True}],
        "status": "active",
        "user_data": {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
        "password_hash": password_hash,
    }


def imported(pool, *records):
    report = pool_users_import(pool=pool, actor=None, records=list(records))
    pool.refresh_from_db()
    return report.results


def limit(pool, value: int) -> None:
    pool_update_password_policy(pool=pool, actor=None, imported_hash_max_cost=value)


# --- what a hash costs -------------------------------------------------------------


def test_our_own_hash_costs_one_check():
    own = make_password(PASSWORD)
    assert is_own_hash(own)
    assert hash_cost(own) == pytest.approx(1.0)


def test_costs_grow_with_each_algorithms_parameters():
    assert hash_cost("bcrypt72$" + raw_bcrypt(5)) * 2 == pytest.approx(
        hash_cost("bcrypt72$" + raw_bcrypt(6))
    )
    assert hash_cost(pbkdf2(200_000)) == pytest.approx(2 * hash_cost(pbkdf2(100_000)))
    # bcrypt at cost 10 fits the default limit, 12 does not; nor do Django's
    # own PBKDF2 hashes at a million iterations.
    assert hash_cost("bcrypt72$$2b$10$" + "a" * 53) <= 4
    assert hash_cost("bcrypt72$$2b$12$" + "a" * 53) > 4
    assert hash_cost("pbkdf2_sha256$1000000$salt$" + "A" * 44) > 4


def test_a_hash_whose_cost_cannot_be_read_is_never_cheap():
    for unreadable in ("", "nonsense", "pbkdf2_sha256$x$salt$hash", "argon2$bad"):
        assert hash_cost(unreadable) == math.inf


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_hash_like_another_has_its_shape_and_matches_no_password(name):
    encoded = password_hash_encoded(FORMATS[name]())
    like = hash_like(encoded)
    assert like != encoded
    assert hash_shape(like) == hash_shape(encoded)
    assert hash_cost(like) == hash_cost(encoded)
    assert check_password(PASSWORD, encoded)
    assert not check_password(PASSWORD, like)


# --- the import ---------------------------------------------------------------------


def test_an_import_refuses_a_hash_above_the_pools_limit(pool):
    (result,) = imported(pool, record("ann@example.com", raw_bcrypt(12)))
    assert result["outcome"] == "error"
    assert [(e["code"], e["path"]) for e in result["errors"]] == [
        ("password_hash_too_costly", "/password_hash")
    ]
    said = result["errors"][0]["message"]
    assert "This bcrypt hash costs about 12 times" in said
    assert "Settings → Password policy" in said
    assert pool.imported_hash_dummy == ""


def test_a_raised_limit_admits_it_and_the_pool_keeps_its_shape(pool):
    limit(pool, 14)
    (result,) = imported(pool, record("ann@example.com", raw_bcrypt(12)))
    assert result["outcome"] == "created"
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$12"
    assert not check_password(PASSWORD, pool.imported_hash_dummy)


def test_the_pools_dummy_is_its_costliest_imported_hash(pool):
    imported(pool, record("a@example.com", raw_bcrypt(6)))
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$06"
    imported(
        pool,
        record("b@example.com", raw_bcrypt(4)),
        record("c@example.com", pbkdf2(1000)),
    )
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$06"  # still the costliest
    imported(pool, record("d@example.com", raw_bcrypt(8)))
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$08"


def test_plain_passwords_and_our_own_hashes_make_no_dummy(pool):
    imported(
        pool,
        {**record("a@example.com", make_password(PASSWORD))},
        {**record("b@example.com", None), "password": PASSWORD},
    )
    assert pool.imported_hash_dummy == ""


def test_a_lower_limit_makes_the_dummy_again_from_what_fits(pool):
    limit(pool, 14)
    imported(
        pool,
        record("a@example.com", raw_bcrypt(12)),
        record("b@example.com", raw_bcrypt(8)),
    )
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$12"
    limit(pool, 4)
    pool.refresh_from_db()
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$08"


def test_saving_the_policy_ends_the_dummy_once_every_imported_user_upgraded(pool):
    imported(pool, record("ann@example.com", raw_bcrypt(6)))
    assert pool.imported_hash_dummy
    sign_in_password(
        pool=pool, identifier="ann@example.com", password=PASSWORD, ip="::1"
    )
    pool_update_password_policy(pool=pool, actor=None, min_length=15)  # unchanged
    pool.refresh_from_db()
    assert pool.imported_hash_dummy == ""


# --- sign-in: the same work for everyone -----------------------------------------


@pytest.fixture
def work(monkeypatch):
    """The hashes each password check of sign-in looks at (their shapes, ours
    as "own") and the pauses it takes, in order."""
    seen: list = []
    real_check = passwords_module.check_password

    def check(raw, encoded, *args, **kwargs):
        seen.append("own" if is_own_hash(encoded) else hash_shape(encoded))
        return real_check(raw, encoded, *args, **kwargs)

    monkeypatch.setattr(passwords_module, "check_password", check)
    monkeypatch.setattr(passwords_module.time, "sleep", lambda s: seen.append("pause"))
    passwords_module._DUMMY_TIMES.clear()
    return seen


def fails(pool, identifier: str, password: str = WRONG) -> None:
    with pytest.raises(ValidationError) as refused:
        sign_in_password(pool=pool, identifier=identifier, password=password, ip="::1")
    assert refused.value.code == "sign_in_failed"


@pytest.fixture
def mixed_pool(pool):
    """A pool with a native user, users imported with bcrypt at cost 8 (its
    costliest shape) and at cost 4, and one above the limit (stored before
    the limit was lowered)."""
    limit(pool, 14)
    imported(
        pool,
        record("costly@example.com", raw_bcrypt(8)),
        record("cheap@example.com", raw_bcrypt(4)),
        record("over@example.com", raw_bcrypt(12)),
    )
    limit(pool, 4)
    native = PoolUserFactory(pool=pool, email="native@example.com", status="active")
    passwords_module.password_set(user=native, raw_password=PASSWORD)
    pool = IdentityPool.objects.get(pk=pool.pk)
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$08"
    return pool


def test_unknown_native_and_imported_identifiers_cost_the_same_work(mixed_pool, work):
    dummy = hash_shape(mixed_pool.imported_hash_dummy)
    answers = {}
    for who in ("nobody", "native", "costly", "cheap", "over"):
        work.clear()
        fails(mixed_pool, f"{who}@example.com")
        answers[who] = list(work)
    # Our own hash and the costliest imported shape, whoever it is.
    assert answers["nobody"] == ["own", dummy]
    assert answers["native"] == ["own", dummy]
    assert answers["costly"] == [dummy, "own"]
    # A cheaper imported hash: its own check, then a pause as long as the
    # costliest one's (timed once in this process).
    assert answers["cheap"][:2] == ["bcrypt72$04", "own"]
    assert answers["cheap"][-1] == "pause"
    # Above the limit: never checked, the work of an unknown identifier.
    assert answers["over"] == ["own", dummy]


def test_a_hash_above_the_limit_never_signs_in_until_the_limit_admits_it(
    mixed_pool,
):
    fails(mixed_pool, "over@example.com", PASSWORD)
    limit(mixed_pool, 14)
    outcome = sign_in_password(
        pool=IdentityPool.objects.get(pk=mixed_pool.pk),
        identifier="over@example.com",
        password=PASSWORD,
        ip="::1",
    )
    assert outcome.user.identifiers.get().value == "over@example.com"
    upgraded = PasswordCredential.objects.get(user=outcome.user).password
    assert is_own_hash(upgraded)


def test_a_pool_without_imported_hashes_checks_only_ours(pool, work):
    user = PoolUserFactory(pool=pool, email="native@example.com", status="active")
    passwords_module.password_set(user=user, raw_password=PASSWORD)
    fails(pool, "native@example.com")
    fails(pool, "nobody@example.com")
    assert work == ["own", "own"]


def test_a_weak_argon2id_of_ours_is_an_imported_hash(pool, work):
    from argon2 import PasswordHasher

    weak = "argon2id" + PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
        PASSWORD
    )
    user = PoolUserFactory(pool=pool, email="weak@example.com", status="active")
    PasswordCredential.objects.create(user=user, password=weak)
    fails(pool, "weak@example.com")
    assert work[1] == "own"  # followed by our own hash's work
    assert not is_own_hash(weak)


# --- installations that stored imported hashes before the limit ------------------


def test_the_upgrade_raises_a_pools_limit_to_what_it_stores(pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com", status="active")
    stored = "bcrypt72$" + raw_bcrypt(12)
    PasswordCredential.objects.create(user=user, password=stored)
    migration = importlib.import_module(
        "identity_pools.migrations.0022_imported_hash_limits"
    )
    # The models as that migration knew them (the hashes were accounts' then).
    then = MigrationLoader(connection).project_state(
        ("identity_pools", "0022_imported_hash_limits")
    )
    migration.limits_from_stored_hashes(then.apps, None)
    raised = PasswordPolicy.objects.get(pool=pool).imported_hash_max_cost
    assert raised == math.ceil(hash_cost(stored)) > 4
    pool.refresh_from_db()
    assert hash_shape(pool.imported_hash_dummy) == "bcrypt72$12"
