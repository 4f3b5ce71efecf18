"""The database settings made from DATABASE_URL: a PostgreSQL connection gives
up after a bounded time instead of holding a worker, and binds its values
server-side (prepared statements) unless the URL says otherwise."""

from __future__ import annotations

import socket
import time

import psycopg
import pytest

from config.database import database_from_url


def test_postgresql_connections_time_out_unless_the_url_says_otherwise():
    config = database_from_url("postgres://u@h/db")
    assert config["OPTIONS"]["connect_timeout"] == 10
    mine = database_from_url("postgres://u@h/db?connect_timeout=3")
    assert int(mine["OPTIONS"]["connect_timeout"]) == 3
    assert "connect_timeout" not in database_from_url("sqlite:////tmp/x.db")["OPTIONS"]


def test_postgresql_binds_server_side_unless_the_url_says_otherwise():
    """Server-side binding (psycopg prepares the statements a connection runs
    often) is on for PostgreSQL; ``?server_side_binding=false`` (PgBouncer
    before 1.21) turns it off."""
    options = database_from_url("postgres://u@h/db")["OPTIONS"]
    assert options["server_side_binding"] and options["prepare_threshold"] == 5
    for off in ("false", "0", "off", "no"):
        url = f"postgres://u@h/db?server_side_binding={off}"
        off_options = database_from_url(url)["OPTIONS"]
        assert off_options["server_side_binding"] is False
        assert "prepare_threshold" not in off_options
    on = database_from_url("postgres://u@h/db?server_side_binding=true")
    assert on["OPTIONS"]["server_side_binding"] is True
    assert (
        "server_side_binding" not in database_from_url("sqlite:////tmp/x.db")["OPTIONS"]
    )


def test_a_server_that_never_answers_fails_the_connection_in_time():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        port = silent.getsockname()[1]
        config = database_from_url(
            f"postgres://u@127.0.0.1:{port}/db?connect_timeout=2"
        )
        start = time.monotonic()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(
                host=config["HOST"],
                port=config["PORT"],
                user=config["USER"],
                dbname=config["NAME"],
                connect_timeout=config["OPTIONS"]["connect_timeout"],
            )
        took = time.monotonic() - start
    finally:
        silent.close()
    assert took < 10
