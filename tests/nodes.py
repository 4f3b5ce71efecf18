"""App nodes for tests: gunicorn processes serving this project on the test
database, and a browser (a ``requests`` session) that sends each request to the
node it names, as a load balancer without sticky sessions would.

Every node gets the same settings a real deployment would share (PUBLIC_URL,
SECRET_KEY, SIGNING_KEYS_SECRET, EMAIL_URL) and nothing else in common but the
database: a flow that works when its steps alternate between nodes keeps no
state in a process."""

from __future__ import annotations

import email
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
# The address users and applications know: the load balancer's. Every request
# carries its Host, as a proxy that passes Host on does.
PUBLIC_URL = "http://localhost:8000"
PUBLIC_HOST = "localhost:8000"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def wait_for(
    condition: Callable[[], object], *, timeout: float, what: str, poll=0.05
) -> object:
    """``condition()``'s first truthy result, polled until ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for the database ``settings_dict`` (PostgreSQL) names."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"node {self.name} exited ({self.process.returncode}):\n"
                + self.log_tail()
            )
        try:
            response = requests.get(
                self.url + "/",
                headers={"Host": PUBLIC_HOST},
                allow_redirects=False,
                timeout=5,
            )
        except requests.RequestException:
            return False
        return response.status_code < 500

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful stop
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                # The node's own process group (start_new_session): master and worker.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_nodes(
    names: list[str], *, env: dict[str, str], log_dir: Path, timeout: float = 90
) -> list[Node]:
    """Start one gunicorn per name, with production's configuration
    (config/gunicorn.conf.py) but one worker, and wait until every one
    answers. On failure, stops what it started and raises with the node's log."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    nodes: list[Node] = []

    def spawn(name: str) -> Node:
        port = free_port()
        log = log_dir / f"node-{name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            [
                str(gunicorn),
                "config.wsgi",
                "-c",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "-w",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        return Node(name=name, port=port, process=process, log=log)

    try:
        nodes = [spawn(name) for name in names]
        for index, node in enumerate(nodes):
            for attempt in range(3):
                try:
                    wait_for(node.answers, timeout=timeout, what=f"node {node.name}")
                    break
                except RuntimeError:
                    # Another process took the port between free_port() and bind.
                    if attempt == 2 or "in use" not in node.log_tail():
                        raise
                    node = nodes[index] = spawn(node.name)
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return nodes


@dataclass
class Step:
    node: str
    method: str
    path: str
    status: int


@dataclass
class Browser:
    """One visitor's cookies, sent to whichever node each request names.
    Nodes share 127.0.0.1, so the cookie jar sends the same cookies to both."""

    session: requests.Session = field(default_factory=requests.Session)
    trace: list[Step] = field(default_factory=list)

    def request(self, node: Node, method: str, path: str, **kwargs):
        headers = {"Host": PUBLIC_HOST, **kwargs.pop("headers", {})}
        response = self.session.request(
            method,
            node.url + path,
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        self.trace.append(
            Step(node.name, method, path.split("?")[0], response.status_code)
        )
        return response

    def get(self, node: Node, path: str, **kwargs):
        return self.request(node, "GET", path, **kwargs)

    def form_token(self, node: Node, path: str) -> str:
        """GET a form page and return its CSRF token (the cookie comes with it)."""
        page = self.get(node, path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
        match = CSRF_INPUT.search(page.text)
        assert match, f"no CSRF token in the form at {path}"
        return match.group(1)

    def submit(self, node: Node, path: str, data: dict, *, form_node: Node = None):
        """Read the form at ``path`` on ``form_node`` (default: ``node``) and
        post ``data`` with its CSRF token to ``node``."""
        token = self.form_token(form_node or node, path)
        return self.request(
            node, "POST", path, data={**data, "csrfmiddlewaretoken": token}
        )

    def route(self) -> str:
        """The requests so far: ``A GET /w/…/signin/ 200`` per line."""
        return "\n".join(f"{s.node} {s.method} {s.path} {s.status}" for s in self.trace)


def mailed_texts(mail_dir: Path, to: str) -> list[str]:
    """The plain-text bodies of the messages to ``to`` that any process wrote to
    ``mail_dir`` (Django's file backend: one file per connection, messages
    separated by a line of dashes)."""
    texts = []
    for path in sorted(mail_dir.glob("*.log")):
        for raw in path.read_text().split("-" * 79 + "\n"):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.strip() + "\n")
            if to not in (message.get("To") or ""):
                continue
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    texts.append(part.get_payload(decode=True).decode())
    return texts
