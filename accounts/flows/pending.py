"""A step of a hosted flow waiting in this browser's hosted session (a sign-up or
a reset waiting for its code, an app being set up, the sign-in's steps): kept
for one pool, forgotten after a while.

Two shapes: ``session_start``/``session_value`` for a plain dict under a key
(``{"pool", "at", ...}``), and ``SessionPending`` for a frozen dataclass
(``{"pool", "sent_at", ...}``). Each flow keeps its keys in one module: the
sign-in's in ``flows.sign_in_state``, the others' beside their flow."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import ClassVar, Self

STEP_SECONDS = 10 * 60  # a waiting step is forgotten after this, unless told


def session_start(session, *, key: str, pool, **values) -> None:
    """Keep ``values`` under ``key`` for ``pool``, from now."""
    session[key] = {"pool": str(pool.pk), "at": time.time(), **values}


def session_value(
    session, *, key: str, pool, seconds: int = STEP_SECONDS
) -> dict | None:
    """What ``session_start`` kept under ``key`` for ``pool``, or None (none,
    another pool's, or older than ``seconds``, then forgotten)."""
    data = session.get(key)
    if not data or data.get("pool") != str(pool.pk):
        return None
    if time.time() - data.get("at", 0) > seconds:
        session.pop(key, None)
        return None
    return data


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
