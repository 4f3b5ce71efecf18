"""Time-ordered UUIDs (RFC 9562 version 7) for rows that lists page through.

Opaque in URLs like any UUID, yet ordered by creation, so "newest first" and keyset
pagination use the primary-key index (no separate created_at index per list).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

_MS_MASK = (1 << 48) - 1
_RAND_BITS = 74  # rand_a (12 bits) and rand_b (62 bits), as one counter
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0


def _compose(ms: int, rand: int) -> uuid.UUID:
    value = ms << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 62) << 64  # rand_a (12 bits)
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b (62 bits)
    return uuid.UUID(int=value)


def uuid7() -> uuid.UUID:
    """A new uuid7, greater than every one this process made before.

    Within one millisecond (or if the clock steps back) the random bits count up
    from the last value by a random step (RFC 9562, 6.2 method 2), so rows made
    one after another, such as a user and then its second identifier, list in the
    order they were made. The top random bit starts clear, so the steps have room.
    """
    global _last_ms, _last_rand
    ms = (time.time_ns() // 1_000_000) & _MS_MASK
    with _lock:
        if ms > _last_ms:
            rand = int.from_bytes(os.urandom(10), "big") >> (80 - _RAND_BITS + 1)
        else:
            ms = _last_ms
            rand = _last_rand + 1 + int.from_bytes(os.urandom(4), "big")
            if rand >> _RAND_BITS:  # the millisecond is used up: borrow the next
                ms += 1
                rand = int.from_bytes(os.urandom(10), "big") >> (80 - _RAND_BITS + 1)
        _last_ms, _last_rand = ms, rand
    return _compose(ms, rand)


class IdStream:
    """uuid7 values, strictly increasing across calls, so rows arrive in primary-key
    order (appended to the indexes; listed newest first by id).

    Each batch starts from a fresh ``uuid7()`` and counts up from it by random steps
    in the random bits (RFC 9562, 6.2 method 2, as for ids made in bulk within one
    millisecond); the top bit of rand_b is cleared so the steps never carry into
    the variant bits. Values are 32-digit hex strings, which PostgreSQL and
    UUIDField both take, because building a million UUID objects is slow.
    """

    TOP_RAND_B = 1 << 61

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last = 0

    def take(self, n: int) -> list[str]:
        value = max(uuid7().int & ~self.TOP_RAND_B, self.last + 1)
        step = self.rng.getrandbits
        out = []
        for _ in range(n):
            out.append(f"{value:032x}")
            value += step(20) + 1
        self.last = value
        return out
