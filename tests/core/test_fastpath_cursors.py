"""Only ``core/fastpath/`` opens a database cursor: a cursor opened, or a
statement executed on one, anywhere else in the apps fails here (issue 21).
Feature code declares its hand-written queries through
``core.fastpath.sql`` instead. Migrations, tests and bench are not scanned."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("accounts", "identity_pools", "workspaces", "oidc", "core", "config")
ALLOWED = ROOT / "core" / "fastpath"
# What runs SQL on a cursor (DB-API) or hands one out.
CURSOR_CALLS = {"cursor", "execute", "executemany", "callproc", "copy_expert"}


def cursor_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) of each cursor opened or statement run in ``source``:
    a call of ``.cursor()``, ``.execute()``, ``.executemany()`` (whatever the
    object), and ``connection.cursor`` / ``connections[...].cursor`` named
    without a call (handed on to be called elsewhere)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in CURSOR_CALLS:
                found.append((node.lineno, f".{node.func.attr}("))
        elif isinstance(node, ast.Attribute) and node.attr == "cursor":
            owner = node.value
            if isinstance(owner, ast.Subscript):
                owner = owner.value
            name = getattr(owner, "id", None) or getattr(owner, "attr", None)
            if name in {"connection", "connections"}:
                found.append((node.lineno, f"{name}.cursor"))
    return found


def app_sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.is_relative_to(ALLOWED):
                continue
            yield path


def test_no_cursor_outside_the_fastpath_package():
    uses = {
        f"{path.relative_to(ROOT)}:{line}": what
        for path in app_sources()
        for line, what in cursor_uses(path.read_text())
    }
    assert uses == {}, (
        "A database cursor outside core/fastpath/: declare the query with "
        "core.fastpath.sql (Query, execute, execute_many, analyze, planned) "
        f"instead: {uses}"
    )


def test_the_scan_finds_each_way_of_opening_a_cursor():
    source = """from django.db import connection, connections
with connection.cursor() as c:
    c.execute("SELECT 1")
    c.executemany("INSERT", [])
opener = connections["default"].cursor
raw = connection.connection.cursor()
queryset = connection.ops.quote_name("fine")
"""
    assert {line for line, _what in cursor_uses(source)} == {2, 3, 4, 5, 6}


def test_the_scan_covers_the_apps_and_skips_the_package_and_migrations():
    scanned = {path.relative_to(ROOT).as_posix() for path in app_sources()}
    assert "accounts/flows/sign_in.py" in scanned
    assert "identity_pools/search.py" in scanned
    assert not any(p.startswith("core/fastpath/") for p in scanned)
    assert not any("/migrations/" in p for p in scanned)
