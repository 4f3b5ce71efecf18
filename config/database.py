"""Turn ``DATABASE_URL`` into Django's ``DATABASES["default"]``, and
``DATABASE_REPLICA_URLS`` into read replicas (``replica_1``, … ; see core/db.py)."""

from __future__ import annotations

from pathlib import Path

import environ

SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"


def _flag(value) -> bool:
    """A URL's query value ("false", "0", "off", "no": False) or a bool."""
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "off", "no", "")
    return bool(value)


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
    if config["ENGINE"] == POSTGRESQL:
        # A database that accepts the connection and never answers (or a host
        # that drops packets) fails a request after this many seconds instead
        # of holding its worker; ``?connect_timeout=`` in the URL overrides it.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", 10)
        # Server-side binding: values travel apart from the SQL, and psycopg
        # prepares a statement once a connection ran it five times
        # (``prepare_threshold``): PostgreSQL then skips parsing and planning
        # it: a sign-in costs PostgreSQL about half the CPU (bench/README.md,
        # "Issue 21: the worker and prepared statements").
        # ``?server_side_binding=false`` in the URL turns it off (PgBouncer in
        # transaction mode before 1.21, or without ``max_prepared_statements``).
        options["server_side_binding"] = _flag(options.get("server_side_binding", True))
        if options["server_side_binding"]:
            # Django leaves psycopg's prepared statements off unless asked.
            options["prepare_threshold"] = int(options.get("prepare_threshold", 5))
    if config["ENGINE"] == SQLITE:
        options = config.setdefault("OPTIONS", {})
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
        )
        # Tests run on a file beside the database, as the quick start does: an
        # in-memory database shares its cache between connections, where a
        # second writer fails at once ("database table is locked") instead of
        # waiting for the lock as BEGIN IMMEDIATE on a file makes it.
        name = str(config.get("NAME", ""))
        if name and name != ":memory:" and not name.startswith("file:"):
            path = Path(name)
            config.setdefault("TEST", {}).setdefault(
                "NAME", str(path.with_name(f"test_{path.stem}{path.suffix}"))
            )
    return config


def replica_databases(urls: list[str], *, conn_max_age: int = 60) -> dict:
    """``replica_1``, ``replica_2``, … for ``urls`` (read-only copies of the
    primary). In tests each is a mirror of ``default``: no test database of its
    own, the same data under another alias."""
    databases = {}
    for number, url in enumerate((u.strip() for u in urls if u.strip()), start=1):
        config = database_from_url(url, conn_max_age=conn_max_age)
        config["TEST"] = {"MIRROR": "default"}
        databases[f"replica_{number}"] = config
    return databases
