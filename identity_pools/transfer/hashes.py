"""An import record's ``password_hash`` → the Django encoded hash to store.

Accepted (the issue's list): Django's encoded hashes of the configured hashers
(``argon2$…``, ``argon2id$…`` (ours), ``bcrypt_sha256$…``, ``bcrypt$…``,
``pbkdf2_sha256$…``, ``pbkdf2_sha1$…``, ``scrypt$…``, and the strings of the
imported-hash hashers, so our own exports import again); raw bcrypt (``$2a$``,
``$2b$``, ``$2y$``); argon2 PHC strings (``$argon2id$``, ``$argon2i$``); and the
objects for PBKDF2 with a binary salt (Keycloak), a salted digest, and
Firebase's scrypt. Every value is checked for shape and bounded cost before it is
stored (a hash that verification could not read, or that would take seconds to
check at each sign-in, is the record's error), and costs nothing to check: no
hashing happens here.

bcrypt (raw, or Django's ``bcrypt$``) is stored as ``bcrypt72$`` (its hasher is
in ``config.hashers``) so that a password longer than 72 bytes is checked the
way the system that made the hash checked it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import argon2
from django.contrib.auth.hashers import get_hashers_by_algorithm

from core.password_hashes import b64decode, b64encode, hash_cost

from .messages import RecordProblem

MAX_ENCODED = 255  # PasswordCredential.password
# Bounds on the work one check of an imported hash costs at sign-in (about a
# quarter of a second here at most), so that no imported account can make each
# sign-in attempt cost seconds of CPU.
BCRYPT_COST = (4, 13)
PBKDF2_ITERATIONS = (1, 10_000_000)
PBKDF2_WORK = 2_500_000  # iterations × blocks of output
ARGON2_MEMORY_KIB = 256 * 1024
ARGON2_TIME = 16
ARGON2_WORK_KIB = 512 * 1024  # memory × passes
ARGON2_LANES = 16
SCRYPT_MEMORY = 32 * 1024 * 1024  # hashlib's default limit, which Django uses
FIREBASE_ROUNDS = (1, 16)
FIREBASE_MEM_COST = (1, 16)

PATH = ("password_hash",)
_BCRYPT = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}")
_ARGON2 = re.compile(
    r"\$(argon2id|argon2i)\$(?:v=(?:16|19)\$)?m=\d{1,10},t=\d{1,10},p=\d{1,3}"
    r"\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}"
)
_B64 = r"[A-Za-z0-9+/]+={0,2}"
# A salt of printable ASCII without "$".
_SALT = r"[\x21-\x23\x25-\x7e]{1,128}"
_PBKDF2 = re.compile(rf"(pbkdf2_sha256|pbkdf2_sha1)\$(\d{{1,9}})\$({_SALT})\$({_B64})")
_SCRYPT = re.compile(
    rf"scrypt\$(\d{{1,9}})\$({_SALT})\$(\d{{1,3}})\$(\d{{1,3}})\$({_B64})"
)
_DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}


def _malformed(algorithm: str, problem: str, path: tuple = PATH) -> RecordProblem:
    return RecordProblem(
        "password_hash_malformed", path, algorithm=algorithm, problem=problem
    )


def _unknown(path: tuple = PATH) -> RecordProblem:
    return RecordProblem("password_hash_unknown", path)


def _within(value: int, bounds: tuple[int, int], algorithm: str, what: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise _malformed(algorithm, f"the {what} {value} is not within {low} to {high}")


def _bcrypt(raw: str, algorithm: str) -> None:
    found = _BCRYPT.fullmatch(raw)
    if found is None:
        raise _malformed(algorithm, "expected $2b$<cost>$ and 53 characters")
    _within(int(found.group(1)), BCRYPT_COST, algorithm, "cost")


def _argon2(phc: str, algorithm: str) -> None:
    if _ARGON2.fullmatch(phc) is None:
        raise _malformed(algorithm, "expected $argon2id$v=19$m=…,t=…,p=…$salt$hash")
    try:
        params = argon2.extract_parameters(phc)
    except (argon2.exceptions.InvalidHashError, ValueError) as exc:
        raise _malformed(algorithm, "its parameters cannot be read") from exc
    if (
        params.memory_cost > ARGON2_MEMORY_KIB
        or params.time_cost > ARGON2_TIME
        or params.memory_cost * params.time_cost > ARGON2_WORK_KIB
    ):
        raise _malformed(algorithm, "its memory or time cost is too high to check")
    if not 1 <= params.parallelism <= ARGON2_LANES or params.time_cost < 1:
        raise _malformed(algorithm, "its parameters are out of range")


def _base64(text: object, algorithm: str, what: str, sizes=(1, 128)) -> bytes:
    path = (*PATH, what)
    if not isinstance(text, str):
        raise _malformed(algorithm, f"“{what}” must be base64 text", path)
    try:
        data = b64decode(text)
    except ValueError as exc:
        raise _malformed(algorithm, f"“{what}” is not base64", path) from exc
    if not sizes[0] <= len(data) <= sizes[1]:
        raise _malformed(
            algorithm, f"“{what}” must be {sizes[0]} to {sizes[1]} bytes", path
        )
    return data


def _integer(value: object, algorithm: str, what: str, bounds) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(algorithm, f"“{what}” must be a whole number", (*PATH, what))
    if not bounds[0] <= value <= bounds[1]:
        raise _malformed(
            algorithm,
            f"“{what}” must be within {bounds[0]} to {bounds[1]}",
            (*PATH, what),
        )
    return value


# --- Django encoded strings -------------------------------------------------------


def _django_pbkdf2(encoded: str) -> str:
    found = _PBKDF2.fullmatch(encoded)
    algorithm = encoded.split("$", 1)[0]
    if found is None:
        raise _malformed(algorithm, "expected <algorithm>$<iterations>$<salt>$<hash>")
    _within(int(found.group(2)), (1, PBKDF2_WORK), algorithm, "iteration count")
    size = 32 if algorithm == "pbkdf2_sha256" else 20
    try:
        if len(b64decode(found.group(4))) != size:
            raise ValueError
    except ValueError as exc:
        raise _malformed(algorithm, f"the hash is not {size} bytes of base64") from exc
    return encoded


def _django_scrypt(encoded: str) -> str:
    found = _SCRYPT.fullmatch(encoded)
    if found is None:
        raise _malformed("scrypt", "expected scrypt$<N>$<salt>$<r>$<p>$<hash>")
    n, r, p = int(found.group(1)), int(found.group(3)), int(found.group(4))
    if n < 2 or n & (n - 1) or r < 1 or not 1 <= p <= 16:
        raise _malformed("scrypt", "its parameters are out of range")
    if 128 * n * r * 2 > SCRYPT_MEMORY:
        raise _malformed("scrypt", "its memory cost is too high to check")
    try:
        b64decode(found.group(5))
    except ValueError as exc:
        raise _malformed("scrypt", "the hash is not base64") from exc
    return encoded


def _django_argon2(encoded: str) -> str:
    algorithm, rest = encoded.split("$", 1)
    _argon2("$" + rest, algorithm)
    return encoded


def _django_bcrypt(encoded: str) -> str:
    algorithm, raw = encoded.split("$", 1)
    _bcrypt(raw, algorithm)
    # Django's bcrypt hasher fails on passwords over 72 bytes (pyca/bcrypt 5);
    # bcrypt72 checks them as the system that made the hash did.
    return "bcrypt72$" + raw if algorithm == "bcrypt" else encoded


def _ours_pbkdf2(encoded: str) -> str:
    algorithm, iterations, salt, value = [*encoded.split("$", 3), "", "", ""][:4]
    if not iterations.isdigit():
        raise _malformed(algorithm, "expected <algorithm>$<iterations>$<salt>$<hash>")
    return _pbkdf2_object(
        {
            "algorithm": "pbkdf2-" + algorithm.rsplit("_", 1)[1],
            "iterations": int(iterations),
            "salt": salt,
            "value": value,
        }
    )


def _ours_salted(encoded: str) -> str:
    algorithm, position, salt, value = [*encoded.split("$", 3), "", "", ""][:4]
    try:
        salt_text = b64decode(salt).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed(algorithm, "the salt is not base64 of UTF-8 text") from exc
    return _digest_object(
        {
            "algorithm": algorithm.split("_", 1)[1],
            "salt": salt_text,
            "salt_position": position,
            "value": value,
        }
    )


def _ours_firebase(encoded: str) -> str:
    parts = encoded.split("$")
    if len(parts) != 7 or not parts[1].isdigit() or not parts[2].isdigit():
        raise _malformed("firebase_scrypt", "expected seven $-separated fields")
    _, rounds, mem_cost, salt, separator, signer, value = parts
    return _firebase_object(
        {
            "algorithm": "firebase-scrypt",
            "rounds": int(rounds),
            "mem_cost": int(mem_cost),
            "salt": salt,
            "salt_separator": separator,
            "signer_key": signer,
            "value": value,
        }
    )


_ENCODED: dict[str, Callable[[str], str]] = {
    "argon2id": _django_argon2,
    "argon2": _django_argon2,
    "bcrypt": _django_bcrypt,
    "bcrypt_sha256": _django_bcrypt,
    "bcrypt72": _django_bcrypt,
    "pbkdf2_sha256": _django_pbkdf2,
    "pbkdf2_sha1": _django_pbkdf2,
    "scrypt": _django_scrypt,
    "pbkdf2_rawsalt_sha1": _ours_pbkdf2,
    "pbkdf2_rawsalt_sha256": _ours_pbkdf2,
    "pbkdf2_rawsalt_sha512": _ours_pbkdf2,
    "salted_md5": _ours_salted,
    "salted_sha1": _ours_salted,
    "salted_sha256": _ours_salted,
    "salted_sha512": _ours_salted,
    "firebase_scrypt": _ours_firebase,
}


def _from_string(value: str) -> str:
    if value.startswith("$2"):
        _bcrypt(value, "bcrypt")
        return "bcrypt72$" + value
    if value.startswith("$argon2"):
        _argon2(value, "argon2")
        return "argon2" + value
    algorithm = value.split("$", 1)[0]
    check = _ENCODED.get(algorithm)
    if check is None or "$" not in value or algorithm not in _configured():
        raise _unknown()
    return check(value)


def _configured() -> dict:
    return get_hashers_by_algorithm()


# --- objects ------------------------------------------------------------------------


def _keys(value: dict, allowed: set[str], algorithm: str) -> None:
    for key in value:
        if key not in allowed:
            raise _malformed(
                algorithm,
                f"“{key}” is not one of its fields ({', '.join(sorted(allowed))})",
                (*PATH, key),
            )


def _pbkdf2_object(value: dict) -> str:
    algorithm = value["algorithm"]
    digest = algorithm.split("-", 1)[1]
    _keys(value, {"algorithm", "iterations", "salt", "value"}, algorithm)
    iterations = _integer(
        value.get("iterations"), algorithm, "iterations", PBKDF2_ITERATIONS
    )
    salt = _base64(value.get("salt"), algorithm, "salt")
    derived = _base64(value.get("value"), algorithm, "value", (16, 128))
    block = {"sha1": 20, "sha256": 32, "sha512": 64}[digest]
    if iterations * -(-len(derived) // block) > PBKDF2_WORK:
        raise _malformed(
            algorithm,
            f"iterations × output blocks is over {PBKDF2_WORK:,}: too costly to check",
            (*PATH, "iterations"),
        )
    return (
        f"pbkdf2_rawsalt_{digest}${iterations}${b64encode(salt)}${b64encode(derived)}"
    )


def _digest_object(value: dict) -> str:
    algorithm = value["algorithm"]
    _keys(value, {"algorithm", "salt", "salt_position", "value"}, algorithm)
    salt = value.get("salt", "")
    if not isinstance(salt, str) or len(salt) > 128:
        raise _malformed(algorithm, "“salt” must be text of at most 128 characters")
    position = value.get("salt_position", "before" if not salt else None)
    if position not in ("before", "after"):
        raise _malformed(
            algorithm,
            "“salt_position” must be “before” or “after” (where the salt goes)",
            (*PATH, "salt_position"),
        )
    digest = value.get("value")
    size = _DIGEST_SIZES[algorithm] * 2
    if not isinstance(digest, str) or not re.fullmatch(
        f"[0-9a-fA-F]{{{size}}}", digest
    ):
        raise _malformed(
            algorithm, f"“value” must be {size} hex digits", (*PATH, "value")
        )
    salt_b64 = b64encode(salt.encode("utf-8", "surrogatepass"))
    return f"salted_{algorithm}${position}${salt_b64}${digest.lower()}"


def _firebase_object(value: dict) -> str:
    algorithm = "firebase-scrypt"
    _keys(
        value,
        {
            "algorithm",
            "salt",
            "value",
            "signer_key",
            "salt_separator",
            "rounds",
            "mem_cost",
        },
        algorithm,
    )
    rounds = _integer(value.get("rounds"), algorithm, "rounds", FIREBASE_ROUNDS)
    mem_cost = _integer(value.get("mem_cost"), algorithm, "mem_cost", FIREBASE_MEM_COST)
    if 128 * (2**mem_cost) * rounds > SCRYPT_MEMORY:
        raise _malformed(
            algorithm, "its memory cost is too high to check", (*PATH, "mem_cost")
        )
    salt = _base64(value.get("salt"), algorithm, "salt")
    separator = _base64(
        value.get("salt_separator", ""), algorithm, "salt_separator", (0, 16)
    )
    signer = _base64(value.get("signer_key"), algorithm, "signer_key", (16, 64))
    hashed = _base64(value.get("value"), algorithm, "value", (16, 64))
    if len(hashed) != len(signer):
        raise _malformed(
            algorithm,
            "“value” must be as long as “signer_key” once decoded",
            (*PATH, "value"),
        )
    fields = [salt, separator, signer, hashed]
    return "$".join(
        ["firebase_scrypt", str(rounds), str(mem_cost), *map(b64encode, fields)]
    )


_OBJECTS: dict[str, Callable[[dict], str]] = {
    "pbkdf2-sha1": _pbkdf2_object,
    "pbkdf2-sha256": _pbkdf2_object,
    "pbkdf2-sha512": _pbkdf2_object,
    "md5": _digest_object,
    "sha1": _digest_object,
    "sha256": _digest_object,
    "sha512": _digest_object,
    "firebase-scrypt": _firebase_object,
}


# What the records call the hashes stored under our hashers' names.
_SHOWN = {
    "bcrypt72": "bcrypt",
    "pbkdf2_rawsalt_sha1": "pbkdf2-sha1",
    "pbkdf2_rawsalt_sha256": "pbkdf2-sha256",
    "pbkdf2_rawsalt_sha512": "pbkdf2-sha512",
    "firebase_scrypt": "firebase-scrypt",
}


def password_hash_encoded(value: object, *, max_cost: float = math.inf) -> str:
    """The Django encoded hash for ``value`` (a ``password_hash`` of an import
    record). Raises RecordProblem ``password_hash_unknown`` (not a format we
    read), ``password_hash_malformed`` (the format is known, the value is
    damaged or its cost out of bounds) or ``password_hash_too_costly`` (one
    check would cost more than ``max_cost`` checks of our own hash: the pool's
    ``imported_hash_max_cost``), with its path in the record."""
    if isinstance(value, str):
        encoded = _from_string(value.strip())
    elif isinstance(value, dict):
        algorithm = value.get("algorithm")
        build = _OBJECTS.get(algorithm) if isinstance(algorithm, str) else None
        if build is None:
            raise _unknown((*PATH, "algorithm") if "algorithm" in value else PATH)
        encoded = build(value)
    else:
        raise RecordProblem("type_invalid", PATH, expected="text or an object")
    algorithm = encoded.split("$", 1)[0]
    if len(encoded) > MAX_ENCODED:
        raise _malformed(algorithm, f"it is longer than {MAX_ENCODED} characters")
    cost = hash_cost(encoded)
    if cost > max_cost:
        raise RecordProblem(
            "password_hash_too_costly",
            PATH,
            algorithm=_SHOWN.get(algorithm, algorithm),
            cost=f"{cost:.0f}" if cost >= 2 else f"{cost:.1f}",
            limit=f"{max_cost:g}",
        )
    return encoded
