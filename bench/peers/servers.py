"""The servers bench/peers/run.py measures: installing the peers when they are
missing, a database each, starting and always stopping them, and the CPU time
a server (and its PostgreSQL backends) has used."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from client import Conn, raw_request

PEERS = Path(__file__).resolve().parent
ROOT = PEERS.parent.parent
VENV = PEERS / ".venv"
NODE = PEERS / "node"
DJANGO_PEERS = PEERS / "django_peers"
LOGS = Path(tempfile.mkdtemp(prefix="bench-peers-"))
# Every gunicorn server's worker (run.py's --worker-class and --threads).
WORKER = {"class": "sync", "threads": 4}


class SetupError(RuntimeError):
    """A step of the set-up failed; the message says which and what to do."""


def run(command: list[str], *, what: str, env=None, cwd=None) -> str:
    """``command``'s standard output; a SetupError naming ``what`` when it fails."""
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"{what}: {exc}") from exc
    if done.returncode:
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise SetupError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def ensure_python_peers() -> Path:
    """bench/peers/.venv with requirements.txt installed (hashes checked),
    made again when requirements.txt changed. Returns its python."""
    python, requirements = VENV / "bin/python", PEERS / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    print(f"Installing the Python peers into {VENV} (requirements.txt) …", flush=True)
    shutil.rmtree(VENV, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(VENV)], what="python -m venv")
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    run(
        [*pip, "--require-hashes", "--no-deps", "-r", str(requirements)],
        what=f"pip install -r {requirements} (PyPI must be reachable)",
    )
    stamp.write_text(digest)
    return python


def ensure_node_peer() -> str:
    """node_modules from package-lock.json (``npm ci``), again when it changed.
    Returns the node binary."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise SetupError(
            "node and npm are needed for node-oidc-provider (or --skip-node)"
        )
    lock = NODE / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = NODE / "node_modules/.package-lock.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return node
    print(
        f"Installing node-oidc-provider into {NODE}/node_modules (npm ci) …", flush=True
    )
    run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=NODE,
        what="npm ci (npm must be reachable)",
    )
    stamp.write_text(digest)
    return node


# --- databases ----------------------------------------------------------------


def database_url(prefix: str, suffix: str) -> str:
    """``prefix`` + "_" + ``suffix``: the bench's own database, never another."""
    parts = urlsplit(prefix)
    name = parts.path.lstrip("/") + "_" + suffix
    if "bench" not in name:
        raise SetupError(f"refusing database {name!r}: its name must contain 'bench'")
    return urlunsplit(parts._replace(path="/" + name))


def recreate_database(url: str) -> None:
    """Drop ``url``'s database (closing its connections) and create it empty."""
    import psycopg  # the project's own driver, in its venv

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise SetupError(f"could not create the database {name}: {exc}") from exc


class Backends:
    """CPU seconds used so far by the PostgreSQL backends of some databases."""

    def __init__(self, admin_url: str):
        import psycopg

        self.conn = psycopg.connect(admin_url, autocommit=True)

    def pids(self, database: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        self.conn.close()


def cpu_seconds(pids) -> float:
    """utime + stime of ``pids`` (ended ones count nothing)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(stat[11]) + int(stat[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# --- servers ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


RUNNING: list[Server] = []  # every server started and not yet stopped
STARTED: list[Server] = []  # every server started (their logs, when a step fails)


def stop_all() -> None:
    """Stops every server still running (run.py's exit does it, always)."""
    while RUNNING:
        RUNNING[-1].stop()


class Server:
    """A server process (its own process group: gunicorn's master and worker,
    or node) on a free port of 127.0.0.1, with its log in LOGS."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        env: dict,
        cwd: Path,
        port: int,
        database: str,
        ready_path: str,
    ):
        self.name, self.port, self.database = name, port, database
        self.log_path = LOGS / f"{name}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        RUNNING.append(self)
        self._wait(ready_path)

    def _wait(self, path: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                conn = Conn(self.port)
                conn.request(raw_request(self.port, "GET", path))
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SetupError(f"{self.name} did not start; its log:\n{self.tail()}")

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def pids(self) -> list[int]:
        """The process and its children (gunicorn's worker)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        with contextlib.suppress(OSError):
            return [pid, *map(int, children.read_text().split())]
        return [pid]

    def stop(self) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def base_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=url, DJANGO_CONN_MAX_AGE="3600", PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def gunicorn(
    name: str,
    python: Path,
    app: str,
    *,
    env: dict,
    cwd: Path,
    database: str,
    ready_path: str,
    config: Path | None = None,
) -> Server:
    """``app`` under gunicorn with one worker of run.py's --worker-class and
    --threads (``WORKER``)."""
    port = free_port()
    command = [str(python), "-m", "gunicorn", app, "--workers", "1"]
    if config is not None and config.exists():
        command += ["--config", str(config)]
    worker_class, threads = WORKER["class"], WORKER["threads"]
    command += ["--worker-class", worker_class, "--bind", f"127.0.0.1:{port}"]
    # gunicorn turns a sync worker with threads into a gthread one: a sync
    # worker says it has one.
    command += ["--threads", str(threads if worker_class == "gthread" else 1)]
    command += ["--backlog", "2048", "--log-level", "warning", "--timeout", "120"]
    env = {**env, "PUBLIC_URL": f"http://127.0.0.1:{port}"}
    return Server(
        name,
        command,
        env=env,
        cwd=cwd,
        port=port,
        database=database,
        ready_path=ready_path,
    )
