"""The layout's rules, checked: the import contracts in pyproject.toml
(import-linter: the apps in layers, config → oidc → accounts → identity_pools →
workspaces → core; end users' authenticators as independent slices; core
imports no feature app, no app imports another app's views or config); no
import loop between files, function-level imports included; source files over
600 lines are named as a warning."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "accounts", "workspaces", "identity_pools", "oidc", "config")
MAX_LINES = 600


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-logo", "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 kept, 0 broken" in result.stdout


def _copy_project(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_import_contracts_catch_violations(tmp_path):
    """The contracts can fail: a shared module that imports a feature app, an
    app that imports another app's views, the directory reaching up into
    authentication, one authenticator importing another, and an authenticator's
    services importing the hosted pages each break one."""
    project = _copy_project(tmp_path)
    (project / "core" / "leak.py").write_text("import workspaces.services\n")
    (project / "workspaces" / "peek.py").write_text(
        "from identity_pools.views import users\n"
    )
    (project / "identity_pools" / "reach.py").write_text(
        "def sign_in():\n    from accounts.flows import sign_in\n"
    )
    (project / "accounts" / "authenticators" / "totp_extra.py").write_text("")
    services = project / "accounts" / "authenticators" / "totp" / "services.py"
    with services.open("a") as totp:
        totp.write("\nfrom ..passkeys import services  # noqa\n")
        totp.write("def later():\n    from ...hosted import steps  # noqa\n")
    result = lint_imports(project)
    assert result.returncode != 0
    assert "Shared plumbing (core) imports no feature app BROKEN" in result.stdout
    assert "No app imports another app's views BROKEN" in result.stdout
    assert "Apps in layers" in result.stdout and "workspaces, core BROKEN" in (
        result.stdout
    )
    assert "independent slices BROKEN" in result.stdout
    assert "services import no flow, hosted page or slice's pages BROKEN" in (
        result.stdout
    )


def _import_loops() -> list[list[str]]:
    """The sets of modules that import one another in a loop (strongly
    connected components of the import graph, function-level imports
    included, as grimp reads every import statement)."""
    import grimp

    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return loops


def test_no_import_loop_between_files():
    """A function-level import that only hides a loop is a loop (issue 21)."""
    assert _import_loops() == []


def _source_files():
    for package in (*PACKAGES, "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if not {"migrations", ".venv", "node_modules"} & set(path.parts):
                yield path


def test_long_source_files_are_named():
    """A file over 600 lines is worth a look, not a failure: split by concern,
    not by count (issue 21). The test lists them as a warning."""
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _source_files()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    if long:
        warnings.warn(
            f"Source files over {MAX_LINES} lines (split by concern if they hold "
            f"several): {long!r}",
            stacklevel=1,
        )


def test_the_architecture_page_draws_the_layers_of_the_contract():
    """docs/architecture.md, the map a newcomer reads first, shows the apps in
    the order the layers contract enforces (so the two cannot drift apart)."""
    import re
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers = next(
        contract["layers"]
        for contract in config["tool"]["importlinter"]["contracts"]
        if contract["type"] == "layers"
    )
    page = (ROOT / "docs" / "architecture.md").read_text()
    drawn = [
        name
        for name in re.findall(r"^([a-z_]+)\s", page, flags=re.M)
        if name in PACKAGES
    ]
    assert drawn == layers
    assert set(layers) == set(PACKAGES)


def _is_url_module(path: Path) -> bool:
    """Where URL patterns may be declared: an app's ``urls.py`` (or, for an app
    mounted at more than one prefix, ``<part>_urls.py``: oidc's console and
    hosted pages), and the API root ``config/api.py``."""
    return (
        path.name == "urls.py"
        or path.name.endswith("_urls.py")
        or path.relative_to(ROOT).as_posix() == "config/api.py"
    )


def _url_pattern_calls(source: str) -> list[int]:
    """Lines of ``source`` that call Django's ``path``/``re_path`` (imported
    from django.urls under any name, or as ``urls.path``)."""
    import ast

    tree = ast.parse(source)
    names: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.urls":
            names |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name in ("path", "re_path")
            }
        elif isinstance(node, ast.ImportFrom) and node.module == "django":
            modules |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name == "urls"
            }
        elif isinstance(node, ast.Import):
            modules |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name == "django.urls"
            }
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        by_name = isinstance(func, ast.Name) and func.id in names
        by_module = (
            isinstance(func, ast.Attribute)
            and func.attr in ("path", "re_path")
            and ast.unparse(func.value) in modules
        )
        if by_name or by_module:
            lines.append(node.lineno)
    return lines


def _app_source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not {"migrations", "__pycache__"} & set(path.parts):
                yield path


def test_url_patterns_are_declared_only_in_urls_modules():
    """Every ``path()``/``re_path()`` is in a urls module (issue 21: URL
    patterns had spread into the hosted view modules)."""
    stray = {
        str(path.relative_to(ROOT)): lines
        for path in _app_source_files()
        if not _is_url_module(path) and (lines := _url_pattern_calls(path.read_text()))
    }
    assert stray == {}


def test_url_pattern_finder_finds_each_spelling():
    """The check above can fail: each way of calling Django's path functions is
    found, and a ``path`` that is not Django's (``env.path``) is not."""
    assert _url_pattern_calls(
        "from django.urls import path\nurlpatterns = [path('a/', v)]\n"
    ) == [2]
    assert _url_pattern_calls(
        "from django.urls import re_path as r\nx = r('^a/', v)\n"
    ) == [2]
    assert _url_pattern_calls("from django import urls\nx = urls.path('a/', v)\n") == [
        2
    ]
    assert _url_pattern_calls(
        "import django.urls\nx = django.urls.re_path('a', v)\n"
    ) == [2]
    assert _url_pattern_calls("import environ\nx = env.path('STATIC_ROOT')\n") == []
    assert _is_url_module(ROOT / "oidc" / "console_urls.py")
    assert not _is_url_module(ROOT / "accounts" / "hosted" / "sign_in_views.py")


def test_pool_url_prefixes_are_spelled_once():
    """A pool's URL prefix is written in one place each: the hosted pages'
    (``accounts/hosted/prefix.py``: POOL) and the console's
    (``identity_pools/user_page.py``: POOL_PATH, USER_PATH); every other urls
    module builds on those (issue 21: the hosted prefix was copied seven
    times)."""
    import ast

    spelled = set()
    for path in _app_source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "pools/<uuid:pool>" in node.value
            ):
                spelled.add(path.relative_to(ROOT).as_posix())
    assert spelled == {"accounts/hosted/prefix.py", "identity_pools/user_page.py"}
