"""Turn ``DATABASE_URL`` into Django's ``DATABASES["default"]``."""

from __future__ import annotations

import environ

SQLITE = "django.db.backends.sqlite3"


def database_from_url(url: str, *, conn_max_age: int = 60) -> dict:
    """The connection settings for ``url`` (django-environ's schemes).

    SQLite, the quick-start database, starts every transaction with ``BEGIN
    IMMEDIATE`` and waits up to 20 s for a lock: with SQLite's default (deferred
    transactions), two requests that read and then write at the same moment end
    with "database is locked" instead of one waiting for the other. WAL lets
    readers go on while one request writes.
    """
    config = environ.Env.db_url_config(url)
    config["ATOMIC_REQUESTS"] = False
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == SQLITE:
        options = config.setdefault("OPTIONS", {})
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
        )
    return config
