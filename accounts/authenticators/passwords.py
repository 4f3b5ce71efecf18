"""Pool users' password credentials: the only code that writes them.

The hash is Django's encoded form (Argon2id for passwords set here; imported
hashes of other algorithms are kept as they are and upgraded at the next
successful sign-in). Which passwords are acceptable is the pool's policy
(``identity_pools.passwords``), checked by the caller.
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth.hashers import (
    check_password,
    get_hasher,
    identify_hasher,
    make_password,
)
from django.utils import timezone

from ..models import PasswordCredential, PasswordHistory


def password_set(*, user, raw_password: str, must_change: bool = False):
    """Set (or replace) ``user``'s password. With ``must_change`` the user must
    choose a new one at the next sign-in. Call it inside the caller's transaction;
    returns the PasswordCredential."""
    previous = password_credential_of(user)
    if previous is not None:
        PasswordHistory.objects.create(user=user, password=previous.password)
        stale = PasswordHistory.objects.filter(user=user).order_by("-created_at")[
            HISTORY_KEPT:
        ]
        PasswordHistory.objects.filter(
            pk__in=list(stale.values_list("pk", flat=True))
        ).delete()
    credential, _created = PasswordCredential.objects.update_or_create(
        user=user,
        defaults={
            "password": make_password(raw_password),
            "state": PasswordCredential.State.MUST_CHANGE
            if must_change
            else PasswordCredential.State.VALID,
            "changed_at": timezone.now(),
        },
    )
    return credential


def password_require_change(*, user) -> bool:
    """The user must choose a new password at the next sign-in. Returns False when
    the user has no password."""
    return bool(
        PasswordCredential.objects.filter(user=user).update(
            state=PasswordCredential.State.MUST_CHANGE
        )
    )


def password_credential_of(user) -> PasswordCredential | None:
    """``user``'s password credential, or None when it has none."""
    return PasswordCredential.objects.filter(user=user).first()


HISTORY_KEPT = 24  # the largest history a pool's policy can ask for


def password_was_used(*, user, raw_password: str, last: int) -> bool:
    """Whether ``raw_password`` is ``user``'s current password or one of the
    earlier ones, ``last`` in all."""
    hashes = []
    current = password_credential_of(user)
    if current is not None:
        hashes.append(current.password)
    hashes += list(
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at")
        .values_list("password", flat=True)[: max(0, last - len(hashes))]
    )
    return any(check_password(raw_password, encoded) for encoded in hashes)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return make_password("a password no account has, for equal timing")


def password_verify(
    *, user, raw_password: str, preloaded: bool = False
) -> PasswordCredential | None:
    """``user``'s credential when ``raw_password`` is their password, else None. A hash of another algorithm
    (imported) or older parameters is upgraded to the preferred one (Argon2id at
    OWASP's parameters) on success, keeping its state and date. Never faster than
    ``password_verify_nobody``: a hash of another algorithm is followed by the
    preferred hasher's work, so imported accounts cannot be told apart by timing
    from unknown ones."""
    if preloaded:  # loaded with the user: select_related("password_credential")
        credential = user._state.fields_cache.get("password_credential")
    else:
        credential = password_credential_of(user)
    if credential is None:
        password_verify_nobody(raw_password)
        return None

    def upgrade(raw: str) -> None:
        PasswordCredential.objects.filter(pk=credential.pk).update(
            password=make_password(raw)
        )

    ok = check_password(raw_password, credential.password, setter=upgrade)
    # The preferred hasher at the preferred parameters; anything else (an
    # imported hash, argon2id at weaker parameters) is followed by the dummy
    # work, so no account answers faster than an unknown one.
    try:
        hasher = get_hasher()
        preferred = identify_hasher(
            credential.password
        ).algorithm == hasher.algorithm and not hasher.must_update(credential.password)
    except ValueError:
        preferred = False
    if not preferred:
        password_verify_nobody(raw_password)
    return credential if ok else None


def password_verify_nobody(raw_password: str) -> None:
    """The preferred hasher's work for a sign-in that has no password to check
    (unknown identifier, inactive user), so it takes as long as a real one."""
    check_password(raw_password, _dummy_hash())
