"""The benchmark's HTTP side: a small HTTP/1.1 client over raw sockets (a
browser's cookie jar, keep-alive when the server keeps the connection, chunked
bodies), sign-in through whatever forms a server shows, the authorization step
of the code flow, and ``drive``, which sends requests from a fixed number of
concurrent clients and times them.

Raw sockets rather than ``requests``: on a two-core machine the clients share
the CPU with the server they measure, and ``requests`` costs several times
more a request (bench/oidc.py does the same).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit


class BenchError(RuntimeError):
    """Something a server answered that the benchmark cannot go on from."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: list[str]  # each Set-Cookie's name=value
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Conn:
    """One HTTP/1.1 connection to 127.0.0.1:``port``, opened again whenever the
    server closed it (gunicorn's sync workers close every one; node keeps them)."""

    def __init__(self, port: int):
        self.port, self.sock, self.buf = port, None, b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def _fill(self, enough) -> None:
        while not enough():
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed by the server")
            self.buf += chunk

    def _take(self, n: int) -> bytes:
        self._fill(lambda: len(self.buf) >= n)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        self._fill(lambda: b"\r\n" in self.buf)
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def request(self, raw: bytes) -> Response:
        reused = self.sock is not None
        if not reused:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock.sendall(raw)
            self._fill(lambda: b"\r\n\r\n" in self.buf)
        except (ConnectionResetError, BrokenPipeError):
            self.close()  # a kept-alive connection the server had closed meanwhile
            if reused:
                return self.request(raw)
            raise
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers, cookies = {}, []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value.split(";", 1)[0])
            headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self._line().split(b";")[0], 16):
                parts.append(self._take(size))
                self._line()
            while self._line():  # trailers, then the empty line
                pass
            body = b"".join(parts)
        else:
            body = self._take(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(int(lines[0].split(" ", 2)[1]), headers, cookies, body)


CLOSE = {"close": False}  # run.py's --connection-close: "Connection: close" on all


def raw_request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    form: dict | None = None,
    json_body=None,
) -> bytes:
    """The bytes of one request (``form``: a URL-encoded body, as browsers send;
    ``json_body``: JSON, as API clients send)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if CLOSE["close"]:
        lines.append("Connection: close")
    data = b""
    if form is not None:
        data = urlencode(form).encode()
        lines.append("Content-Type: application/x-www-form-urlencoded")
    elif json_body is not None:
        data = json.dumps(json_body).encode()
        lines.append("Content-Type: application/json")
    if data or method == "POST":
        lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


@dataclass
class Browser:
    """A cookie jar on a connection: what one browser sends to one server."""

    conn: Conn
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return self.conn.port

    def send(
        self, method: str, url: str, *, form=None, json_body=None, headers=None
    ) -> Response:
        parts = urlsplit(url)
        if parts.hostname not in (None, "127.0.0.1", "localhost"):
            raise BenchError(f"refusing to follow {url!r}: not this machine")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.conn.request(
            raw_request(
                self.port, method, path, headers=sent, form=form, json_body=json_body
            )
        )
        for pair in response.cookies:
            name, _, value = pair.partition("=")
            if value and value != '""':
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input\b([^>]*)>", re.I)
ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(text: str) -> dict[str, str]:
    return {
        m[1].lower(): html.unescape(m[2] or m[3] or "") for m in ATTR.finditer(text)
    }


def sign_in_form(body: str, values: dict[str, str]):
    """(action, fields) of the page's POST form that asks for any of ``values``
    (hidden fields such as the CSRF token kept as sent), or None."""
    for match in FORM.finditer(body):
        form_attrs = _attrs(match[1])
        if form_attrs.get("method", "get").lower() != "post":
            continue
        fields, wanted = {}, False
        for tag in INPUT.finditer(match[2]):
            attrs = _attrs(tag[1])
            name, kind = attrs.get("name"), attrs.get("type", "text").lower()
            if not name:
                continue
            if name in values:
                fields[name], wanted = values[name], True
            elif kind == "hidden":
                fields[name] = attrs.get("value", "")
        if wanted:
            return form_attrs.get("action", ""), fields
    return None


def sign_in(browser: Browser, url: str, values: dict[str, str]) -> tuple[str, int]:
    """Sign in from ``url`` as a browser does: GET each form, POST it, follow
    the redirect to the next form, until the password was sent and answered by
    a redirect. Returns (where that redirect goes, requests sent)."""
    response, sent = browser.send("GET", url), 1
    for _ in range(6):
        if response.status in (301, 302, 303):
            url = urljoin(url, response.location)
            response, sent = browser.send("GET", url), sent + 1
            continue
        found = (
            sign_in_form(response.text(), values) if response.status == 200 else None
        )
        if found is None:
            raise BenchError(
                f"no sign-in form at {url} (HTTP {response.status}): "
                f"{response.text()[:300]!r}"
            )
        action, fields = found
        url = urljoin(url, action) if action else url
        response, sent = browser.send("POST", url, form=fields), sent + 1
        if response.status in (302, 303) and "password" in fields:
            return urljoin(url, response.location), sent
    raise BenchError(f"the sign-in from {url} did not end: HTTP {response.status}")


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_url(
    endpoint: str,
    client_id: str,
    redirect_uri: str,
    scope: str = "openid profile email",
) -> tuple[str, str]:
    """An authorization request's URL (PKCE S256) and its code verifier."""
    verifier, challenge = pkce_pair()
    query = {"response_type": "code", "client_id": client_id, "scope": scope}
    query.update(redirect_uri=redirect_uri, state=secrets.token_urlsafe(8))
    query.update(nonce=secrets.token_urlsafe(8), code_challenge=challenge)
    return (
        f"{endpoint}?{urlencode({**query, 'code_challenge_method': 'S256'})}",
        verifier,
    )


def authorize(
    browser: Browser,
    endpoint: str,
    client_id: str,
    redirect_uri: str,
    values: dict[str, str],
) -> tuple[str, str]:
    """One authorization code (with its PKCE verifier) for ``client_id``: the
    authorization request, signing in on whatever form it leads to while the
    browser has no session, every redirect followed up to ``redirect_uri``."""
    url, verifier = authorization_url(endpoint, client_id, redirect_uri)
    for _ in range(12):
        if url.startswith(redirect_uri):
            answer = parse_qs(urlsplit(url).query)
            if "code" not in answer:
                raise BenchError(f"the authorization ended without a code: {url}")
            return answer["code"][0], verifier
        response = browser.send("GET", url)
        if response.status in (301, 302, 303):
            url = urljoin(url, response.location)
        elif response.status == 200 and sign_in_form(response.text(), values):
            url, _sent = sign_in(browser, url, values)
        else:
            raise BenchError(
                f"authorization step at {url}: HTTP {response.status} "
                f"{response.text()[:300]!r}"
            )
    raise BenchError(f"the authorization at {endpoint} did not reach {redirect_uri}")


@dataclass
class Timing:
    """What ``drive`` measured: the rate, each unit's latency (ms), the
    answers kept, and the clients' own CPU (this process)."""

    rate: float
    latencies: list[float]
    results: list
    client_cpu: float


def drive(port: int, units: list, clients: int, run) -> Timing:
    """``run(conn, unit)`` for every unit, by ``clients`` threads at once, each
    on its own connection; a unit is one request or one whole sign-in."""
    results, latencies, errors = [None] * len(units), [], []
    lock, indexes = threading.Lock(), iter(range(len(units)))

    def client() -> None:
        conn, mine = Conn(port), []
        try:
            while (i := next(indexes, None)) is not None:
                started = time.perf_counter()
                try:
                    results[i] = run(conn, units[i])
                except (BenchError, OSError) as exc:
                    errors.append(exc)
                    conn.close()
                    continue
                mine.append((time.perf_counter() - started) * 1000)
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise BenchError(f"{len(errors)} of {len(units)} failed, e.g.: {errors[0]}")
    cpu = time.process_time() - cpu
    return Timing(len(units) / elapsed, latencies, results, cpu / len(units))


def expect(response: Response, status: int, what: str) -> Response:
    if response.status != status:
        raise BenchError(f"{what}: HTTP {response.status} {response.text()[:300]!r}")
    return response
