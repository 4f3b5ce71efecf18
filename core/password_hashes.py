"""What checking a stored password hash costs, and hashes shaped like another.

A pool keeps hashes imported from other systems (bcrypt, PBKDF2, scrypt, argon2
at other parameters, …) until each user's first sign-in upgrades them, and a
wrong password is checked against them at the imported hash's cost. These
helpers let the import refuse hashes that cost too much to check, and let
sign-in make every answer of a pool take as long as its costliest check:

- ``hash_cost(encoded)``: the estimated CPU time of one check, in multiples of
  a check of the installation's own hash (``PASSWORD_HASHERS[0]``, Argon2id at
  m=19 MiB, t=2: 1.0). From the hash's parameters alone, with one coefficient
  per primitive measured against Argon2id by ``bench/hash_costs.py`` (the
  estimates there are within about 25% of the measured times).
- ``hash_shape(encoded)``: the algorithm and cost parameters without salt or
  value: two hashes of one shape take the same time to check.
- ``hash_like(encoded)``: a hash of the same shape and salt with a random
  value, which no password matches (a "dummy" to check against).

Encoded hashes are Django's form (``<algorithm>$…``), as stored by
``PasswordCredential``; the imported formats are described in ``config.hashers``
(their hashers). ``b64decode``/``b64encode``: the standard base64 those formats
carry their binary fields in.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import secrets
from functools import lru_cache

from django.contrib.auth.hashers import get_hasher

# Seconds per unit of work, relative to one unit of Argon2id's (one KiB-pass:
# memory in KiB × passes). Measured with bench/hash_costs.py on x86-64 (OpenSSL
# with SHA extensions); see bench/README.md, "Imported hashes".
_BCRYPT_PER_ROUND = 2.9e-3  # per 2**cost, in checks of our own hash
_PBKDF2_PER_BLOCK = {  # per iteration × output block
    "sha1": 1.2e-5,
    "sha256": 1.2e-5,
    "sha512": 3.0e-5,
}
_SCRYPT_PER_UNIT = 1.35e-5  # per N × r × p
# Argon2 with more memory than ours costs more than its share per KiB (it no
# longer fits the caches): × (memory / ours) ** 0.3 above our memory.
_ARGON2_MEMORY_EXPONENT = 0.3
_DIGEST_COST = 1e-4  # one salted digest: nothing, next to any of the above
_DIGEST_SIZE = {"sha1": 20, "sha256": 32, "sha512": 64}

_BCRYPT = re.compile(r"\$2[aby]?\$(\d\d)\$")
_ARGON2_PARAMS = re.compile(r"m=(\d+),t=(\d+),p=(\d+)")
_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@lru_cache(maxsize=1)
def _own_argon2() -> tuple[int, int]:
    """Memory (KiB) and passes of the installation's own hash (Argon2id)."""
    hasher = get_hasher()
    return getattr(hasher, "memory_cost", 19456), getattr(hasher, "time_cost", 2)


def is_own_hash(encoded: str) -> bool:
    """Whether ``encoded`` is the installation's own hash at its own parameters
    (what every password set here becomes)."""
    hasher = get_hasher()
    return encoded.startswith(hasher.algorithm + "$") and not hasher.must_update(
        encoded
    )


def _split(encoded: str) -> tuple[str, list[str]]:
    algorithm, _, rest = encoded.partition("$")
    return algorithm, rest.split("$")


def hash_cost(encoded: str) -> float:
    """The estimated time of one check of ``encoded``, in checks of our own
    hash; ``math.inf`` for a string whose cost cannot be read (never check
    it)."""
    try:
        return _cost(encoded)
    except (ValueError, IndexError, KeyError, OverflowError):
        return math.inf


def _cost(encoded: str) -> float:
    algorithm, fields = _split(encoded)
    if algorithm in ("argon2", "argon2id"):
        found = _ARGON2_PARAMS.search(encoded)
        if found is None:
            raise ValueError(encoded)
        memory, time = int(found.group(1)), int(found.group(2))
        own_memory, own_time = _own_argon2()
        ratio = memory / own_memory
        return ratio * time / own_time * max(1.0, ratio) ** _ARGON2_MEMORY_EXPONENT
    if algorithm in ("bcrypt", "bcrypt_sha256", "bcrypt72"):
        found = _BCRYPT.match(encoded[len(algorithm) + 1 :])
        if found is None:
            raise ValueError(encoded)
        return 2 ** int(found.group(1)) * _BCRYPT_PER_ROUND
    if algorithm in ("pbkdf2_sha256", "pbkdf2_sha1"):
        return int(fields[0]) * _PBKDF2_PER_BLOCK[algorithm.split("_")[1]]
    if algorithm.startswith("pbkdf2_rawsalt_"):
        digest = algorithm.rsplit("_", 1)[1]
        size = len(b64decode(fields[2]))
        blocks = -(-size // _DIGEST_SIZE[digest])
        return int(fields[0]) * blocks * _PBKDF2_PER_BLOCK[digest]
    if algorithm == "scrypt":  # scrypt$N$salt$r$p$hash
        n, r, p = int(fields[0]), int(fields[2]), int(fields[3])
        return n * r * p * _SCRYPT_PER_UNIT
    if algorithm == "firebase_scrypt":  # firebase_scrypt$rounds$mem_cost$…
        rounds, mem_cost = int(fields[0]), int(fields[1])
        return 2**mem_cost * rounds * _SCRYPT_PER_UNIT
    if algorithm.startswith("salted_"):
        return _DIGEST_COST
    raise ValueError(algorithm)


def hash_shape(encoded: str) -> str:
    """``encoded`` without its salt and value: the algorithm and what sets its
    cost (``bcrypt72$2b$12``, ``pbkdf2_sha256$600000``, ``argon2$argon2id$v=19$
    m=65536,t=3,p=4``, …)."""
    algorithm, fields = _split(encoded)
    if algorithm in ("bcrypt", "bcrypt_sha256", "bcrypt72"):
        found = _BCRYPT.match(encoded[len(algorithm) + 1 :])
        return f"{algorithm}${found.group(1) if found else '?'}"
    if algorithm in ("argon2", "argon2id"):
        return "$".join([algorithm, *fields[:3]])
    if algorithm in ("pbkdf2_sha256", "pbkdf2_sha1"):
        return f"{algorithm}${fields[0]}"
    if algorithm.startswith("pbkdf2_rawsalt_"):
        return f"{algorithm}${fields[0]}${len(fields[2])}"
    if algorithm == "scrypt":
        return f"scrypt${fields[0]}${fields[2]}${fields[3]}"
    if algorithm == "firebase_scrypt":
        return f"firebase_scrypt${fields[0]}${fields[1]}${len(fields[5])}"
    return algorithm


def b64decode(text: str) -> bytes:
    """Standard base64 (padding optional); raises ValueError."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_like(encoded: str) -> str:
    """A hash of ``encoded``'s shape, with its salt, whose value is random: a
    check against it costs what a check against ``encoded`` costs and matches
    no password. Raises ValueError for a string it cannot read."""
    algorithm = encoded.partition("$")[0]
    head, value = encoded.rsplit("$", 1)
    if algorithm in ("bcrypt", "bcrypt_sha256", "bcrypt72"):
        # $2b$<cost>$<22 characters of salt><31 of hash>
        if _BCRYPT.match(encoded[len(algorithm) + 1 :]) is None or len(value) != 53:
            raise ValueError("not a bcrypt hash")
        tail = "".join(secrets.choice(_BCRYPT_ALPHABET) for _ in range(31))
        return f"{head}${value[:22]}{tail}"
    if algorithm.startswith("salted_"):
        return f"{head}${secrets.token_hex(len(bytes.fromhex(value)))}"
    size = len(b64decode(value))
    random = base64.b64encode(secrets.token_bytes(size)).decode("ascii")
    if algorithm in ("argon2", "argon2id"):
        random = random.rstrip("=")  # PHC strings have no padding
    elif algorithm not in _PADDED:
        raise ValueError(algorithm)
    return f"{head}${random}"


_PADDED = {
    "pbkdf2_sha256",
    "pbkdf2_sha1",
    "pbkdf2_rawsalt_sha1",
    "pbkdf2_rawsalt_sha256",
    "pbkdf2_rawsalt_sha512",
    "scrypt",
    "firebase_scrypt",
}
