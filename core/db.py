"""Read replicas: where each query goes when ``DATABASE_REPLICA_URLS`` names some.

Every write and every ordinary read goes to the primary (``default``), so a page
always sees what the request before it wrote. Only reads that opt in with
``replica_alias()`` go to a replica: the console's long lists, where a row written
a moment ago showing up a moment later is harmless (every action taken from a
list loads its objects again on the primary). Replicas are the ``DATABASES``
aliases named ``replica_<n>`` (config/database.py builds them).
"""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_PREFIX = "replica_"
# A browser that changed something reads from the primary for this long after
# (its next page, e.g. the list it returns to, shows its own change).
PRIMARY_AFTER_WRITE_SECONDS = 10
PRIMARY_COOKIE = "ip_primary"
_pinned: ContextVar[bool] = ContextVar("primary_pinned", default=False)


def replica_aliases() -> list[str]:
    """The configured replica aliases (none unless ``DATABASE_REPLICA_URLS`` is set)."""
    return [alias for alias in connections if alias.startswith(REPLICA_PREFIX)]


def replica_alias() -> str:
    """The alias a lag-tolerant read should use: a random replica, or ``default``
    when there is none, when the primary's connection is inside a transaction
    (whose own writes a replica cannot see yet), or when this browser wrote
    something in the last seconds (``PrimaryAfterWriteMiddleware``)."""
    aliases = replica_aliases()
    if not aliases or _pinned.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return random.choice(aliases)


class PrimaryReplicaRouter:
    """Writes and reads to the primary; an object loaded from a replica keeps
    reading its relations there (one consistent source for one list), but every
    save or delete goes to the primary, whichever database the object came from."""

    def db_for_read(self, model, **hints) -> str:
        instance = hints.get("instance")
        db = getattr(getattr(instance, "_state", None), "db", None)
        if db and db.startswith(REPLICA_PREFIX):
            return db
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replicas hold the primary's rows: objects from either may relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # Replicas follow the primary's schema through replication.
        return not db.startswith(REPLICA_PREFIX)


class PrimaryAfterWriteMiddleware:
    """Read-your-writes with replicas: a request that may change something
    (any method but GET, HEAD, OPTIONS) marks its browser with a short-lived
    cookie, and requests carrying it read from the primary only. Does nothing
    when no replica is configured."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.active = bool(replica_aliases())

    def __call__(self, request):
        if not self.active:
            return self.get_response(request)
        token = _pinned.set(PRIMARY_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_cookie(
                PRIMARY_COOKIE,
                "1",
                max_age=PRIMARY_AFTER_WRITE_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
