"""The pool's imported password hashes: how costly a check it accepts, and the
hash sign-in checks when it has none of that cost to check (issue 20, 2.1).

A wrong password typed against an imported hash costs what that hash costs to
check (bcrypt at cost 13: about 27 times our own Argon2id). Two rules bound it
and keep it from telling accounts apart:

- The pool's password policy sets ``imported_hash_max_cost`` (default 4, at
  most 32, in checks of our own hash, estimated by ``core.password_hashes``):
  the import refuses costlier hashes, and sign-in never checks a stored one
  above it.
- The pool keeps ``imported_hash_dummy``, a hash shaped like the costliest one
  it stores within that limit (with a random value). Sign-in checks it for an
  unknown identifier or a native user, and pads the check of a cheaper
  imported hash to its time, so that every answer costs the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.password_hashes import hash_cost, hash_like, is_own_hash

from .models import IdentityPool, PoolUser


def dummy_for(hashes: Iterable[str], *, max_cost: float, floor: str = "") -> str:
    """The dummy for ``hashes`` (encoded) and an earlier dummy ``floor``: shaped
    like the costliest of them within ``max_cost``, other than our own hash;
    ``floor`` itself when none is costlier; "" when there is none."""
    best, best_cost = floor, hash_cost(floor) if floor else 0.0
    if best_cost > max_cost:
        best, best_cost = "", 0.0
    for encoded in hashes:
        if not encoded or is_own_hash(encoded):
            continue
        cost = hash_cost(encoded)
        if best_cost < cost <= max_cost:
            best, best_cost = encoded, cost
    if best and best != floor:
        return hash_like(best)
    return best


def pool_dummy_raise(*, pool: IdentityPool, hashes: Iterable[str], max_cost) -> None:
    """Make the pool's dummy as costly as the costliest of ``hashes`` just
    stored. Call it in the transaction that stores them: it locks the pool's
    row, so that two imports at once keep the costlier of theirs."""
    current = (
        IdentityPool.objects.select_for_update()
        .filter(pk=pool.pk)
        .values_list("imported_hash_dummy", flat=True)
        .first()
    )
    if current is None:
        return
    dummy = dummy_for(hashes, max_cost=max_cost, floor=current)
    if dummy != current:
        IdentityPool.objects.filter(pk=pool.pk).update(imported_hash_dummy=dummy)
        pool.imported_hash_dummy = dummy


def pool_dummy_recompute(*, pool: IdentityPool, max_cost) -> None:
    """The pool's dummy from every hash it stores (after its limit changed):
    one pass over the pool's imported hashes (ours are skipped in the
    database)."""
    hashes = (
        PoolUser.objects.for_pool(pool)
        .filter(password_credential__isnull=False)
        .exclude(password_credential__password__startswith="argon2id$")
        .values_list("password_credential__password", flat=True)
    )
    dummy = dummy_for(hashes.iterator(chunk_size=2000), max_cost=max_cost)
    IdentityPool.objects.filter(pk=pool.pk).update(imported_hash_dummy=dummy)
    pool.imported_hash_dummy = dummy
