"""Password hashers."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.hashers import (
    BCryptPasswordHasher as DjangoBCryptPasswordHasher,
)
from django.utils.encoding import force_bytes


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended parameters (m=19 MiB, t=2, p=1).

    Django's own Argon2 hasher uses 100 MiB and 8 lanes; these parameters keep a
    sign-in near 20 ms on one core, so a burst of sign-ins cannot exhaust memory.
    Hashes made with other parameters are upgraded on the next successful sign-in.
    """

    algorithm = "argon2id"
    time_cost = 2
    memory_cost = 19456
    parallelism = 1


class BCryptPasswordHasher(DjangoBCryptPasswordHasher):
    """Django's ``bcrypt$`` hasher, truncating at bcrypt's 72 bytes as bcrypt
    always did (bcrypt 5 raises instead, which would turn a long password typed
    against an older ``bcrypt$`` hash into a server error)."""

    def encode(self, password, salt):
        return super().encode(force_bytes(password)[:72], salt)
