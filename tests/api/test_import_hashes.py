"""Imported password hashes, one test per format, made by the reference
implementations (Django's hashers, bcrypt, argon2-cffi, hashlib; Keycloak's and
Firebase's layouts by hand): the user signs in through the real sign-in with the
original password, not with a wrong one, and then has an Argon2id hash."""

from __future__ import annotations

import base64
import hashlib
import json

import argon2
import bcrypt
import pytest
from django.contrib.auth import hashers as django_hashers
from django.core.exceptions import ValidationError

from accounts.flows.sign_in import sign_in_password
from config.hashers import (
    HASHERS,
    FirebaseScryptPasswordHasher,
    firebase_scrypt,
)
from identity_pools.credentials import PasswordCredential
from identity_pools.models import PasswordPolicy, PoolUser
from identity_pools.transfer.hashes import password_hash_encoded
from identity_pools.transfer.messages import RecordProblem

PASSWORD = "Tr0ub4dor&3 ünïcode"
SALT = b"\x8a\x01\xfe saltbytes\x00\x17"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def keycloak(digest: str, size: int, iterations: int = 1000) -> dict:
    """Keycloak's credential export: base64 salt bytes, iterations, base64 of
    the derived key (64 bytes by default for sha512, 32 for sha256)."""
    key = hashlib.pbkdf2_hmac(digest, PASSWORD.encode(), SALT, iterations, size)
    return {
        "algorithm": f"pbkdf2-{digest}",
        "iterations": iterations,
        "salt": b64(SALT),
        "value": b64(key),
    }


def salted(digest: str, position: str) -> dict:
    salt = "s@lt$ÿ"
    data = salt + PASSWORD if position == "before" else PASSWORD + salt
    return {
        "algorithm": digest,
        "salt": salt,
        "salt_position": position,
        "value": hashlib.new(digest, data.encode()).hexdigest().upper(),
    }


FORMATS = {
    "django argon2": lambda: django_hashers.Argon2PasswordHasher().encode(
        PASSWORD, "saltsaltsalt"
    ),
    "django bcrypt_sha256": lambda: django_hashers.BCryptSHA256PasswordHasher().encode(
        PASSWORD, bcrypt.gensalt(4)
    ),
    "django bcrypt": lambda: django_hashers.BCryptPasswordHasher().encode(
        PASSWORD, bcrypt.gensalt(4)
    ),
    "django pbkdf2_sha256": lambda: django_hashers.PBKDF2PasswordHasher().encode(
        PASSWORD, "saltsalt", iterations=1000
    ),
    "django pbkdf2_sha1": lambda: django_hashers.PBKDF2SHA1PasswordHasher().encode(
        PASSWORD, "saltsalt", iterations=1000
    ),
    "django scrypt": lambda: django_hashers.ScryptPasswordHasher().encode(
        PASSWORD, "saltsalt", n=2**10, r=8, p=1
    ),
    "raw bcrypt $2b$": lambda: bcrypt.hashpw(
        PASSWORD.encode(), bcrypt.gensalt(4)
    ).decode(),
    "raw bcrypt $2a$": lambda: bcrypt.hashpw(
        PASSWORD.encode(), bcrypt.gensalt(4, prefix=b"2a")
    ).decode(),
    # PHP's $2y$ is the same algorithm as $2b$ under another name (bcrypt cannot
    # make one, so the prefix is renamed).
    "raw bcrypt $2y$": lambda: (
        "$2y$" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()[4:]
    ),
    "argon2id PHC": lambda: argon2.PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=2
    ).hash(PASSWORD),
    "argon2i PHC": lambda: argon2.PasswordHasher(
        time_cost=2, memory_cost=1024, parallelism=1, type=argon2.Type.I
    ).hash(PASSWORD),
    "keycloak pbkdf2-sha256": lambda: keycloak("sha256", 32),
    "keycloak pbkdf2-sha256 512-bit key": lambda: keycloak("sha256", 64),
    "keycloak pbkdf2-sha512": lambda: keycloak("sha512", 64),
    "keycloak pbkdf2-sha1": lambda: keycloak("sha1", 64),
    "sha1 salt before": lambda: salted("sha1", "before"),
    "sha256 salt after": lambda: salted("sha256", "after"),
    "sha512 salt before": lambda: salted("sha512", "before"),
    "md5 salt after": lambda: salted("md5", "after"),
    "md5 unsalted": lambda: {
        "algorithm": "md5",
        "value": hashlib.md5(PASSWORD.encode()).hexdigest(),
    },
}


@pytest.fixture(autouse=True)
def _django_argon2_admitted(pool):
    """Django's default Argon2 (100 MiB, 2 passes, 8 lanes) costs about 9 checks
    of our own hash, over the default limit of 4
    (tests/accounts/authenticators/test_passwords_imported_hashes.py)."""
    PasswordPolicy.objects.create(pool=pool, imported_hash_max_cost=10)


def import_one(api_client, pool, password_hash) -> PoolUser:
    body = {
        "users": [
            {
                "identifiers": [{"value": "ann@example.com", "verified": True}],
                "user_data": {"given_name": "Ann", "family_name": "Lee", "name": "Ann"},
                "password_hash": password_hash,
            }
        ]
    }
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users/import",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["outcome"] == "created", result
    return PoolUser.objects.get(pk=result["id"])


def sign_in(pool, password):
    return sign_in_password(
        pool=pool, identifier="ann@example.com", password=password, ip="10.0.0.9"
    )


def signs_in_then_upgraded(pool, user, password=PASSWORD) -> None:
    before = PasswordCredential.objects.get(user=user).password
    assert not before.startswith("argon2id$")
    with pytest.raises(ValidationError) as failed:
        sign_in(pool, password + "x")
    assert failed.value.code == "sign_in_failed"
    assert PasswordCredential.objects.get(user=user).password == before
    assert sign_in(pool, password).user == user
    after = PasswordCredential.objects.get(user=user).password
    assert after.startswith("argon2id$argon2id$")
    assert sign_in(pool, password).user == user


@pytest.mark.parametrize("name", list(FORMATS))
def test_import_hash_signs_in_and_is_upgraded(api_client, pool, name):
    user = import_one(api_client, pool, FORMATS[name]())
    signs_in_then_upgraded(pool, user)


def test_import_firebase_scrypt_published_vector(api_client, pool):
    """Firebase's published test vector (github.com/firebase/scrypt README)."""
    vector = {
        "algorithm": "firebase-scrypt",
        "salt": "42xEC+ixf3L2lw==",
        "salt_separator": "Bw==",
        "signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECK"
        "bm0QsEmYUSDzZvpjeJ9WmXA==",
        "rounds": 8,
        "mem_cost": 14,
        "value": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjo"
        "Zilo78198JAdRuid5lQ==",
    }
    computed = firebase_scrypt(
        password=b"user1password",
        salt=base64.b64decode(vector["salt"]),
        salt_separator=base64.b64decode(vector["salt_separator"]),
        signer_key=base64.b64decode(vector["signer_key"]),
        rounds=8,
        mem_cost=14,
    )
    assert b64(computed) == vector["value"]
    user = import_one(api_client, pool, vector)
    assert PasswordCredential.objects.get(user=user).password.startswith(
        "firebase_scrypt$8$14$"
    )
    signs_in_then_upgraded(pool, user, "user1password")


def test_import_our_own_argon2id_hash_is_kept(api_client, pool):
    encoded = django_hashers.make_password(PASSWORD)
    user = import_one(api_client, pool, encoded)
    assert PasswordCredential.objects.get(user=user).password == encoded
    assert sign_in(pool, PASSWORD).user == user


def test_import_bcrypt_checks_long_passwords_like_bcrypt_did(api_client, pool):
    """Raw bcrypt uses the first 72 bytes; a longer password signs in (instead
    of an error from bcrypt 5, which refuses over 72 bytes)."""
    long = "a" * 72
    raw = bcrypt.hashpw(long.encode(), bcrypt.gensalt(4)).decode()
    user = import_one(api_client, pool, raw)
    assert sign_in(pool, long + "ignored by bcrypt").user == user


@pytest.mark.parametrize(
    ("value", "code", "path"),
    [
        ("md5$salt$abc", "password_hash_unknown", "/password_hash"),
        ("5f4dcc3b5aa765d61d8327deb882cf99", "password_hash_unknown", "/password_hash"),
        ("plain text", "password_hash_unknown", "/password_hash"),
        ("!unusable", "password_hash_unknown", "/password_hash"),
        ("$2b$10$tooShort", "password_hash_malformed", "/password_hash"),
        ("$2b$31$" + "a" * 53, "password_hash_malformed", "/password_hash"),
        ("bcrypt$$2b$04$" + "?" * 53, "password_hash_malformed", "/password_hash"),
        (
            "$argon2id$v=19$m=4194304,t=3,p=4$c2FsdHNhbHRzYWx0$"
            "aGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "password_hash_malformed",
            "/password_hash",
        ),
        (
            "$argon2d$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "password_hash_malformed",
            "/password_hash",
        ),
        ("pbkdf2_sha256$x$salt$hash", "password_hash_malformed", "/password_hash"),
        (
            "pbkdf2_sha256$1000$salt$c2hvcnQ=",
            "password_hash_malformed",
            "/password_hash",
        ),
        ("scrypt$1000$salt$8$1$aGFzaA==", "password_hash_malformed", "/password_hash"),
        (
            {"algorithm": "whirlpool", "value": "00"},
            "password_hash_unknown",
            "/password_hash/algorithm",
        ),
        ({"value": "00"}, "password_hash_unknown", "/password_hash"),
        (
            {
                "algorithm": "pbkdf2-sha256",
                "iterations": 1000,
                "salt": "%%%",
                "value": b64(b"k" * 32),
            },
            "password_hash_malformed",
            "/password_hash/salt",
        ),
        (
            {
                "algorithm": "pbkdf2-sha256",
                "iterations": "1000",
                "salt": "c2FsdA==",
                "value": b64(b"k" * 32),
            },
            "password_hash_malformed",
            "/password_hash/iterations",
        ),
        (
            {
                "algorithm": "pbkdf2-sha512",
                "iterations": 1000,
                "salt": "c2FsdA==",
                "value": "c2hvcnQ=",
            },
            "password_hash_malformed",
            "/password_hash/value",
        ),
        (
            {"algorithm": "sha256", "salt": "pepper", "value": "ab" * 32},
            "password_hash_malformed",
            "/password_hash/salt_position",
        ),
        (
            {"algorithm": "sha1", "value": "xyz"},
            "password_hash_malformed",
            "/password_hash/value",
        ),
        (
            {"algorithm": "sha1", "value": "ab" * 20, "rounds": 2},
            "password_hash_malformed",
            "/password_hash/rounds",
        ),
        (
            {
                "algorithm": "firebase-scrypt",
                "salt": "c2FsdA==",
                "value": b64(b"v" * 64),
                "signer_key": b64(b"s" * 64),
                "rounds": 8,
                "mem_cost": 30,
            },
            "password_hash_malformed",
            "/password_hash/mem_cost",
        ),
        (["not", "a", "hash"], "type_invalid", "/password_hash"),
    ],
)
def test_import_unknown_or_malformed_hash_is_the_records_error(
    api_client, pool, value, code, path
):
    body = {
        "users": [
            {
                "identifiers": [{"value": "ann@example.com"}],
                "user_data": {"given_name": "Ann", "family_name": "Lee", "name": "Ann"},
                "password_hash": value,
            }
        ]
    }
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users/import",
        json.dumps(body),
        content_type="application/json",
    )
    result = response.json()["results"][0]
    assert result["outcome"] == "error"
    assert [(e["code"], e["path"]) for e in result["errors"]] == [(code, path)]
    assert not PoolUser.objects.filter(pool=pool).exists()


def test_every_accepted_hash_is_verified_by_a_configured_hasher():
    """What the import stores, check_password reads (no hash is stored that
    sign-in cannot verify)."""
    for name, make in FORMATS.items():
        encoded = password_hash_encoded(make())
        assert django_hashers.check_password(PASSWORD, encoded), name
        assert not django_hashers.check_password(PASSWORD + "!", encoded), name


def test_imported_hashers_are_listed_after_argon2id(settings):
    assert settings.PASSWORD_HASHERS[0] == "config.hashers.Argon2idPasswordHasher"
    assert settings.PASSWORD_HASHERS[-len(HASHERS) :] == HASHERS


def test_firebase_hasher_round_trip():
    hasher = FirebaseScryptPasswordHasher()
    encoded = hasher.encode(
        "pw",
        "c2FsdA==",
        salt_separator="Bw==",
        signer_key=b64(b"k" * 32),
        rounds=8,
        mem_cost=10,
    )
    assert hasher.verify("pw", encoded)
    assert not hasher.verify("pw2", encoded)


def test_a_hash_too_long_to_store_is_malformed():
    with pytest.raises(RecordProblem) as found:
        password_hash_encoded(
            {
                "algorithm": "pbkdf2-sha512",
                "iterations": 1000,
                "salt": b64(b"s" * 128),
                "value": b64(b"v" * 128),
            }
        )
    assert found.value.key == "password_hash_malformed"


def test_a_long_password_against_a_django_bcrypt_hash_is_checked_not_a_500():
    """bcrypt 5 refuses passwords over 72 bytes; Django's ``bcrypt$`` hashes were
    made by versions that used the first 72 bytes, and still verify that way."""
    import bcrypt as bcrypt_lib
    from django.contrib.auth.hashers import check_password

    long = "correct horse battery staple " * 4  # 116 bytes
    raw = bcrypt_lib.hashpw(long.encode()[:72], bcrypt_lib.gensalt(4)).decode()
    assert check_password(long, f"bcrypt${raw}")
    assert not check_password("wrong" + long, f"bcrypt${raw}")
