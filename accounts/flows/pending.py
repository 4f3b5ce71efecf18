"""A step of a hosted flow waiting in this browser's hosted session (a sign-up or
a reset waiting for its code): kept for one pool, forgotten after a while."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import ClassVar, Self


class SessionPending:
    """Base of a frozen dataclass with the fields ``pool`` (its id) and
    ``sent_at`` (a time.time()); subclasses set ``session_key`` and ``lifetime``
    (seconds)."""

    session_key: ClassVar[str]
    lifetime: ClassVar[int]

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, session, pool) -> Self | None:
        data = session.get(cls.session_key)
        if not data or data.get("pool") != str(pool.pk):
            return None
        if time.time() - data.get("sent_at", 0) > cls.lifetime:
            return None
        return cls(**data)
