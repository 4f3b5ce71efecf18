"""The password hashers ``PASSWORD_HASHERS`` lists besides Django's own: ours
(Argon2id at OWASP's parameters, bcrypt truncating at 72 bytes), then the
hashers of imported hashes in formats Django has no hasher for.

The apps never name a hasher: they hash and check through Django
(``make_password``, ``check_password``), which finds these by the settings.

Imported hashes. Each hasher keeps another system's hash as it is, in Django's
encoded form (``<algorithm>$<fields>``), so that
``accounts.authenticators.passwords.services.password_verify`` checks it through
``check_password`` like any other hash and upgrades it to Argon2id at the
user's first successful sign-in. They are listed at the end of
``PASSWORD_HASHERS``; nothing ever makes a new hash with them except tests. The
bulk import (``identity_pools.transfer.hashes``) turns the import record's
``password_hash`` into these strings and checks their shape before anything is
stored, so ``verify`` may assume a well-formed value; what checking one costs
is ``core.password_hashes``'.

- ``bcrypt72``: raw bcrypt (``$2a$``, ``$2b$``, ``$2y$``) of the password's first
  72 bytes, as OpenBSD's, PHP's and pyca/bcrypt < 5 compute it (pyca/bcrypt 5
  refuses longer passwords instead of truncating, which would make a sign-in with
  a long password fail with an error rather than a yes or no).
- ``pbkdf2_rawsalt_sha1|sha256|sha512``: PBKDF2 with a binary salt and a derived
  key of any length, both base64 (Keycloak's credential export).
- ``salted_md5|sha1|sha256|sha512``: one digest of salt + password or password +
  salt, in hex.
- ``firebase_scrypt``: Firebase Authentication's modified scrypt (the derived key
  encrypts the project's signer key with AES-256-CTR).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    BasePasswordHasher,
    mask_hash,
)
from django.contrib.auth.hashers import (
    BCryptPasswordHasher as DjangoBCryptPasswordHasher,
)
from django.utils.encoding import force_bytes

from core.password_hashes import b64decode, b64encode


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


BCRYPT_MAX_BYTES = 72


class _ImportedHasher(BasePasswordHasher):
    """Common parts: no runtime hardening (``password_verify`` already follows a
    foreign hash with the preferred hasher's work) and a masked summary."""

    def harden_runtime(self, password, encoded):
        pass

    def must_update(self, encoded):
        return True

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }


class Bcrypt72PasswordHasher(_ImportedHasher):
    """``bcrypt72$<raw bcrypt hash>``: bcrypt of the first 72 bytes."""

    algorithm = "bcrypt72"
    library = ("bcrypt", "bcrypt")
    rounds = 12

    def salt(self):
        return self._load_library().gensalt(self.rounds)

    def encode(self, password, salt):
        bcrypt = self._load_library()
        data = bcrypt.hashpw(
            force_bytes(password)[:BCRYPT_MAX_BYTES], force_bytes(salt)
        )
        return f"{self.algorithm}${data.decode('ascii')}"

    def decode(self, encoded):
        algorithm, _empty, variant, cost, data = encoded.split("$", 4)
        assert algorithm == self.algorithm
        return {
            "algorithm": algorithm,
            "variant": variant,
            "work_factor": int(cost),
            "salt": data[:22],
            "hash": data[22:],
        }

    def verify(self, password, encoded):
        algorithm, data = encoded.split("$", 1)
        assert algorithm == self.algorithm
        computed = self._load_library().hashpw(
            force_bytes(password)[:BCRYPT_MAX_BYTES], data.encode("ascii")
        )
        return hmac.compare_digest(computed, data.encode("ascii"))


class _RawSaltPBKDF2(_ImportedHasher):
    """``<algorithm>$<iterations>$<base64 salt>$<base64 derived key>``; the key's
    length is the decoded value's."""

    digest = "sha256"
    iterations = 27500

    def salt(self):
        return b64encode(self.salt_bytes())

    def salt_bytes(self) -> bytes:
        return secrets.token_bytes(16)

    def encode(self, password, salt, iterations=None, dklen=None):
        iterations = iterations or self.iterations
        key = hashlib.pbkdf2_hmac(
            self.digest,
            force_bytes(password),
            b64decode(salt),
            iterations,
            dklen or hashlib.new(self.digest).digest_size,
        )
        return f"{self.algorithm}${iterations}${salt}${b64encode(key)}"

    def decode(self, encoded):
        algorithm, iterations, salt, value = encoded.split("$", 3)
        assert algorithm == self.algorithm
        return {
            "algorithm": algorithm,
            "iterations": int(iterations),
            "salt": salt,
            "hash": value,
        }

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        expected = b64decode(decoded["hash"])
        key = hashlib.pbkdf2_hmac(
            self.digest,
            force_bytes(password),
            b64decode(decoded["salt"]),
            decoded["iterations"],
            len(expected),
        )
        return hmac.compare_digest(key, expected)


class PBKDF2RawSaltSHA1PasswordHasher(_RawSaltPBKDF2):
    algorithm = "pbkdf2_rawsalt_sha1"
    digest = "sha1"


class PBKDF2RawSaltSHA256PasswordHasher(_RawSaltPBKDF2):
    algorithm = "pbkdf2_rawsalt_sha256"
    digest = "sha256"


class PBKDF2RawSaltSHA512PasswordHasher(_RawSaltPBKDF2):
    algorithm = "pbkdf2_rawsalt_sha512"
    digest = "sha512"


class _SaltedDigest(_ImportedHasher):
    """``<algorithm>$<before|after>$<base64 of the salt's UTF-8>$<hex digest>``:
    one digest of salt + password ("before") or password + salt ("after")."""

    digest = "sha256"

    def encode(self, password, salt, position="before"):
        salt_bytes = force_bytes(salt)
        password_bytes = force_bytes(password)
        data = (
            salt_bytes + password_bytes
            if position == "before"
            else password_bytes + salt_bytes
        )
        value = hashlib.new(self.digest, data).hexdigest()
        return f"{self.algorithm}${position}${b64encode(salt_bytes)}${value}"

    def decode(self, encoded):
        algorithm, position, salt, value = encoded.split("$", 3)
        assert algorithm == self.algorithm
        return {
            "algorithm": algorithm,
            "position": position,
            "salt": salt,
            "hash": value,
        }

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        salt = b64decode(decoded["salt"])
        password_bytes = force_bytes(password)
        data = (
            salt + password_bytes
            if decoded["position"] == "before"
            else password_bytes + salt
        )
        computed = hashlib.new(self.digest, data).hexdigest()
        return hmac.compare_digest(computed, decoded["hash"].lower())


class SaltedMD5PasswordHasher(_SaltedDigest):
    algorithm = "salted_md5"
    digest = "md5"


class SaltedSHA1PasswordHasher(_SaltedDigest):
    algorithm = "salted_sha1"
    digest = "sha1"


class SaltedSHA256PasswordHasher(_SaltedDigest):
    algorithm = "salted_sha256"
    digest = "sha256"


class SaltedSHA512PasswordHasher(_SaltedDigest):
    algorithm = "salted_sha512"
    digest = "sha512"


def firebase_scrypt(
    *,
    password: bytes,
    salt: bytes,
    salt_separator: bytes,
    signer_key: bytes,
    rounds: int,
    mem_cost: int,
) -> bytes:
    """Firebase's modified scrypt: scrypt(password, salt + separator, N=2^mem_cost,
    r=rounds, p=1), whose first 32 bytes are the AES-256-CTR key (zero IV) that
    encrypts the signer key. Checked against Firebase's published test vector."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    derived = hashlib.scrypt(
        password,
        salt=salt + salt_separator,
        n=2**mem_cost,
        r=rounds,
        p=1,
        maxmem=256 * 1024 * 1024,
        dklen=64,
    )
    encryptor = Cipher(algorithms.AES(derived[:32]), modes.CTR(b"\0" * 16)).encryptor()
    return encryptor.update(signer_key) + encryptor.finalize()


class FirebaseScryptPasswordHasher(_ImportedHasher):
    """``firebase_scrypt$<rounds>$<mem_cost>$<salt>$<salt separator>$<signer
    key>$<hash>``, the last four in base64 as Firebase exports them."""

    algorithm = "firebase_scrypt"

    def encode(self, password, salt, **params):
        value = firebase_scrypt(
            password=force_bytes(password),
            salt=b64decode(salt),
            salt_separator=b64decode(params["salt_separator"]),
            signer_key=b64decode(params["signer_key"]),
            rounds=params["rounds"],
            mem_cost=params["mem_cost"],
        )
        return "$".join(
            [
                self.algorithm,
                str(params["rounds"]),
                str(params["mem_cost"]),
                salt,
                params["salt_separator"],
                params["signer_key"],
                b64encode(value),
            ]
        )

    def decode(self, encoded):
        algorithm, rounds, mem_cost, salt, separator, signer, value = encoded.split(
            "$", 6
        )
        assert algorithm == self.algorithm
        return {
            "algorithm": algorithm,
            "rounds": int(rounds),
            "mem_cost": int(mem_cost),
            "salt": salt,
            "salt_separator": separator,
            "signer_key": signer,
            "hash": value,
        }

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        computed = firebase_scrypt(
            password=force_bytes(password),
            salt=b64decode(decoded["salt"]),
            salt_separator=b64decode(decoded["salt_separator"]),
            signer_key=b64decode(decoded["signer_key"]),
            rounds=decoded["rounds"],
            mem_cost=decoded["mem_cost"],
        )
        return hmac.compare_digest(computed, b64decode(decoded["hash"]))


# The entries for the end of settings.PASSWORD_HASHERS.
HASHERS = [
    f"{__name__}.{cls.__name__}"
    for cls in (
        Bcrypt72PasswordHasher,
        PBKDF2RawSaltSHA1PasswordHasher,
        PBKDF2RawSaltSHA256PasswordHasher,
        PBKDF2RawSaltSHA512PasswordHasher,
        SaltedMD5PasswordHasher,
        SaltedSHA1PasswordHasher,
        SaltedSHA256PasswordHasher,
        SaltedSHA512PasswordHasher,
        FirebaseScryptPasswordHasher,
    )
]
