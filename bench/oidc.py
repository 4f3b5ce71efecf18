"""The OpenID provider's token endpoint against the bare ES256 signature, and the
discovery and JWKS request rates, under gunicorn on PostgreSQL.

    .venv/bin/python bench/oidc.py [--rounds 5] [--codes 300] [--threads 3]
        [--get-configs sync:1,sync:2,gthread:1:8,gthread:2:8] [--breakdown]

Its own database (dropped and made again; the name must contain "bench") gets a
workspace, a pool, a confidential "web" application (client_secret_basic, ES256,
refresh-token rotation) and a signed-in user. Prints the SQL of one code exchange
and one refresh; bare ES256 signatures/s; token requests/s, latency and CPU under
one gunicorn sync worker; discovery and JWKS requests/s, plain and conditional
(304), under each of --get-configs. See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import logging
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from run import prepare_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/identity_pools_bench_oidc"
SLUG = "bench-oidc"
REDIRECT = "https://app.example.com/callback"
SCOPE = "openid profile email"
TARGET_OVER_SIGNATURE_MS = 3.0
TARGET_GET_RATE = 2000.0
CONFIGS = "sync:1,sync:2,gthread:1:8,gthread:2:8"
P = SimpleNamespace()  # workspace, application, secret, auth, user, sso, sign
OPTIONS = [  # flag, default, help
    ("--database-url", DEFAULT_URL, "PostgreSQL; the name must contain 'bench'"),
    ("--rounds", 5, "measurement rounds (medians and spreads over them)"),
    ("--codes", 300, "code exchanges (and as many refreshes) per round"),
    ("--threads", 3, "clients sending token requests at once"),
    ("--signatures", 500, "bare signatures per round"),
    ("--get-requests", 1000, "discovery/JWKS requests per kind and round"),
    ("--get-threads", 4, "clients sending discovery/JWKS requests at once"),
    ("--get-configs", CONFIGS, "gunicorn kind:workers[:threads], comma-separated"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    for flag, default, text in OPTIONS:
        parser.add_argument(flag, type=type(default), default=default, help=text)
    parser.add_argument("--only", choices=["token", "get"], help="one part only")
    parser.add_argument("--breakdown", action="store_true", help="time the parts")
    return parser.parse_args()


class Conn:
    """One HTTP/1.1 connection to 127.0.0.1:port, reopened when the server closed
    it (Django always sends Content-Length, so no chunked bodies)."""

    def __init__(self, port: int):
        self.port, self.sock, self.buf = port, None, b""

    def close(self) -> None:
        self.sock = self.sock.close() if self.sock else None  # close() is None

    def _fill(self, done) -> None:
        while not done():
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed")
            self.buf += chunk

    def request(self, raw: bytes) -> tuple[int, dict, bytes]:
        reused = self.sock is not None
        if not reused:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buf = b""
        try:
            self.sock.sendall(raw)
            self._fill(lambda: b"\r\n\r\n" in self.buf)
        except (ConnectionResetError, BrokenPipeError):
            self.close()  # a kept-alive connection the server had closed
            if reused:
                return self.request(raw)
            raise
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        pairs = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in pairs}
        length = int(headers.get("content-length", 0))
        self._fill(lambda: len(self.buf) >= length)
        body, self.buf = self.buf[:length], self.buf[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(lines[0].split(" ", 2)[1]), headers, body


def raw_get(port: int, path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode()


def raw_post(port: int, form: dict) -> bytes:
    data = urlencode(form).encode()
    head = (
        f"POST /w/{SLUG}/token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: {P.auth}\r\nContent-Length: {len(data)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )
    return head.encode() + data


def drive(port: int, raws: list[bytes], threads: int, expect: int):
    """``raws`` sent by ``threads`` clients: (requests/s, ms each, bodies)."""
    bodies, latencies, errors = [None] * len(raws), [], []
    lock, indexes = threading.Lock(), iter(range(len(raws)))

    def client() -> None:
        conn, mine = Conn(port), []
        while (i := next(indexes, None)) is not None:  # next() holds the GIL
            started = time.perf_counter()
            status, _h, bodies[i] = conn.request(raws[i])
            mine.append((time.perf_counter() - started) * 1000)
            if status != expect:
                errors.append(f"HTTP {status}: {bodies[i][:300]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=client) for _ in range(threads)]
    cpu, started = server_cpu(), time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    P.cpu = [(b - a) * 1000 / len(raws) for a, b in zip(cpu, server_cpu(), strict=True)]
    if errors:
        sys.exit(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return len(raws) / elapsed, latencies, bodies


def server_cpu() -> tuple[float, float]:
    """CPU seconds used so far by gunicorn's workers and this database's other
    PostgreSQL backends: unlike rates, barely moved by other load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    children = Path(f"/proc/{P.server.pid}/task/{P.server.pid}/children")
    result = []
    for pids in (map(int, children.read_text().split()), backends):
        ticks = 0
        for pid in pids:
            with contextlib.suppress(OSError):  # an ended backend
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(stat[11]) + int(stat[12])  # utime, stime
        result.append(ticks / os.sysconf("SC_CLK_TCK"))
    return result[0], result[1]


def cpu_ms(pairs: list) -> list[float]:
    """Medians of the (worker, PostgreSQL) CPU ms a request of each round."""
    return [statistics.median(c) for c in zip(*pairs, strict=True)]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    return f"{fmt.format(min(values))}–{fmt.format(max(values))}"


def start_gunicorn(url: str, config: str) -> tuple[subprocess.Popen, int]:
    """gunicorn as ``config`` ("kind:workers[:threads]") on a free port."""
    kind, workers, *threads = config.split(":")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(PUBLIC_URL=f"http://localhost:{port}", DJANGO_DEBUG="false")
    env.update(DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_CONN_MAX_AGE="3600")
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", workers]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    command += ["--worker-class", kind, "--backlog", "2048"]
    if kind == "gthread":
        command += ["--threads", (threads or ["8"])[0]]
    P.server = server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(300):
        try:
            if Conn(port).request(raw_get(port, f"/w/{SLUG}/.well-known/jwks.json"))[0]:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not answer within 30 s.")


def setup_provider() -> None:
    """A workspace, pool, connection, web application and user, into ``P``."""
    from accounts.models import SsoSession
    from core.audit import SystemActor
    from identity_pools.models import Identifier, PoolUser
    from identity_pools.services.pools import pool_create
    from oidc.applications import application_create
    from oidc.connections import idp_connect
    from workspaces.models import Workspace

    actor = SystemActor("bench")
    P.workspace = workspace = Workspace.objects.create(name="Bench OIDC", slug=SLUG)
    pool = pool_create(workspace=workspace, actor=actor, name="Bench customers")
    connection = idp_connect(workspace=workspace, actor=actor, pool=pool)
    P.application, P.secret = application_create(
        workspace=workspace, actor=actor, name="Bench web app", kind="web",
        connections=[connection], redirect_uris=[REDIRECT],
    )  # fmt: skip
    basic = f"{P.application.client_id}:{P.secret}".encode()
    P.auth = "Basic " + base64.b64encode(basic).decode()
    data = {
        "given_name": "Ann",
        "family_name": "Lee",
        "name": "Ann Lee",
    }
    P.user = user = PoolUser.objects.create(pool=pool, status="active", user_data=data)
    email = {"type": "email", "value": "ann@example.com", "is_verified": True}
    Identifier.objects.create(pool=pool, user=user, **email)
    sso = {"method": "password", "auth_time": user.created_at, "ip": "127.0.0.1"}
    P.sso = SsoSession.objects.create(user=user, **sso)


def make_codes(n: int) -> list[tuple[str, str]]:
    """``n`` fresh (code, PKCE verifier)s, stored as save_authorization_code does."""
    from django.utils import timezone

    from core.tokens import token_hash
    from oidc.models import AuthorizationCode

    expires_at, pairs, rows = timezone.now() + timedelta(seconds=60), [], []
    same = {"application": P.application, "user": P.user, "sso_session": P.sso}
    same.update(redirect_uri=REDIRECT, scope=SCOPE, amr=["pwd"], acr="1")
    for _ in range(n):
        code, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        rows.append(
            AuthorizationCode(
                **same, code_hash=token_hash(code), nonce=secrets.token_urlsafe(12),
                code_challenge=challenge, code_challenge_method="S256",
                auth_time=P.sso.auth_time, expires_at=expires_at,
            )
        )  # fmt: skip
        pairs.append((code, verifier))
    AuthorizationCode.objects.bulk_create(rows, batch_size=1000)
    return pairs


def code_form(code: str, verifier: str) -> dict:
    form = {"grant_type": "authorization_code", "code": code}
    return {**form, "redirect_uri": REDIRECT, "code_verifier": verifier}


def refresh_form(token: str) -> dict:
    return {"grant_type": "refresh_token", "refresh_token": token}


def make_signer():
    """Signs an ID token's claims with the workspace's active ES256 key."""
    from joserfc import jwt

    from oidc.signing_keys import signing_key_private, signing_keys_ensure

    key = signing_keys_ensure(workspace=P.workspace, alg="ES256")
    private, header = signing_key_private(key), {"alg": "ES256", "kid": key.kid}
    client_id, sub, sid = P.application.client_id, str(P.user.pk), str(P.sso.pk)
    profile = {"name": "Ann Lee", "given_name": "Ann", "family_name": "Lee"}
    email = {"email": "ann@example.com", "email_verified": True}

    header["typ"], iss = "JWT", f"http://localhost:8000/w/{SLUG}"

    def sign() -> str:
        now = int(time.time())
        claims = {"iss": iss, "sub": sub, "aud": client_id, "azp": client_id}
        claims.update(iat=now, exp=now + 3600, auth_time=now - 60, acr="1", sid=sid)
        claims.update(nonce=secrets.token_urlsafe(12), amr=["pwd"], updated_at=now)
        claims.update(at_hash=secrets.token_urlsafe(16), **profile, **email)
        return jwt.encode(header, claims, private)

    return sign


def signature_rate(n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        P.sign()
    return n / (time.perf_counter() - started)


def short_sql(sql: str) -> str:
    depth = 0
    for i, char in enumerate(sql):  # the select list ends at the outermost FROM
        depth += {"(": 1, ")": -1}.get(char, 0)
        if sql.startswith("SELECT") and not depth and sql.startswith(" FROM ", i):
            sql = "SELECT …" + sql[i:]
            break
    sql = re.sub(r"\(\"[^)]*\"\) VALUES \(.*\)", "(…) VALUES (…)", sql)
    sql = re.sub(r"'[^']{20,}'", "'…'", sql)
    return sql[:147] + "…" if len(sql) > 150 else sql


def count_queries() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, url = Client(), f"/w/{SLUG}/token"

    def post(form):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, form, HTTP_AUTHORIZATION=P.auth)
        assert response.status_code == 200, response.content
        return json.loads(response.content)["refresh_token"], captured.captured_queries

    for pair in make_codes(2):  # warm up: imports, URL resolver
        post(code_form(*pair))
    refresh, code_queries = post(code_form(*make_codes(1)[0]))
    _, refresh_queries = post(refresh_form(refresh))
    for grant, queries in (("code", code_queries), ("refresh", refresh_queries)):
        print(f"\nSQL of one {grant} exchange (in-process): {len(queries)} statements")
        for i, q in enumerate(queries, 1):
            print(f"  {i:2}. {short_sql(q['sql'])}")


def token_rounds(args) -> tuple[dict, dict]:
    server, port = start_gunicorn(args.database_url, "sync:1")

    def codes(n, threads):
        raws = [raw_post(port, code_form(*pair)) for pair in make_codes(n)]
        rate, times, bodies = drive(port, raws, threads, 200)
        tokens = [json.loads(b) for b in bodies]
        assert all("id_token" in t for t in tokens)
        return rate, times, [t["refresh_token"] for t in tokens]

    def refreshes(tokens, threads):
        raws = [raw_post(port, refresh_form(t)) for t in tokens]
        rate, times, bodies = drive(port, raws, threads, 200)
        assert all(b"id_token" in b for b in bodies)
        return rate, times

    rates = {k: [] for k in ("sig", "code", "refresh", "code1", "refresh1")}
    lat = {k: [] for k in ("code", "refresh", "code1", "refresh1")}

    def note(key, rate, times):
        rates[key].append(rate)
        lat[key] += times
        rates.setdefault(key + " cpu", []).append(P.cpu)

    try:
        refreshes(codes(30, 1)[2], 1)  # warm up
        signature_rate(50)
        for r in range(args.rounds):
            rates["sig"].append(signature_rate(args.signatures))
            rate, times, tokens = codes(args.codes, args.threads)
            note("code", rate, times)
            note("refresh", *refreshes(tokens, args.threads))
            rate, times, tokens = codes(max(10, args.codes // 3), 1)
            note("code1", rate, times)
            note("refresh1", *refreshes(tokens, 1))
            print(
                f"  round {r + 1}: signatures {rates['sig'][-1]:6.0f}/s, codes "
                f"{rates['code'][-1]:5.1f}/s, refreshes {rates['refresh'][-1]:5.1f}/s "
                f"(one client: {rates['code1'][-1]:5.1f}/s, {rates['refresh1'][-1]:5.1f}/s)"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rates, lat


def print_token_table(args, rates, lat) -> bool:
    sig_rate = statistics.median(rates["sig"])
    sig_ms = 1000 / sig_rate
    print(
        f"\nBare ES256 signatures (joserfc jwt.encode, ID-token claims): {sig_rate:,.0f}/s"
        f" (rounds {spread(rates['sig'], '{:,.0f}')}) = {sig_ms:.3f} ms each\n"
        f"\nToken endpoint, gunicorn 1 sync worker, {args.threads} clients, {args.codes}"
        f" requests × {args.rounds} rounds (median and spread of the rounds' rates):\n"
        f"  {'grant':<20} {'req/s':>7} {'spread':>13} {'ms/req':>7} {'over sig.':>9} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'1 client p50':>13} {'p95':>6} "
        f"{'CPU ms: worker':>14} {'PG':>5}"
    )
    ok = True
    for key, label in (("code", "authorization_code"), ("refresh", "refresh_token")):
        rate, one = statistics.median(rates[key]), lat[key + "1"]
        over = 1000 / rate - sig_ms
        ok = ok and over <= TARGET_OVER_SIGNATURE_MS
        worker, pg = cpu_ms(rates[key + " cpu"])
        print(
            f"  {label:<20} {rate:7.1f} {spread(rates[key]):>13} {1000 / rate:7.2f} "
            f"{over:9.2f} {statistics.median(lat[key]):7.2f} {p95(lat[key]):7.2f} "
            f"{statistics.median(one):13.2f} {p95(one):6.2f} {worker:14.2f} {pg:5.2f}"
        )
    print(
        f"{'PASS' if ok else 'FAIL'}: the token endpoint adds at most "
        f"{TARGET_OVER_SIGNATURE_MS:.0f} ms over the signature (1/rate − signature)"
    )
    return ok


def get_rounds(args) -> dict:
    paths = {"discovery": "openid-configuration", "jwks": "jwks.json"}
    table = {}
    for config in [c.strip() for c in args.get_configs.split(",") if c.strip()]:
        server, port = start_gunicorn(args.database_url, config)
        try:
            raws = {}
            for name, last in paths.items():
                plain = raw_get(port, f"/w/{SLUG}/.well-known/{last}")
                status, headers, _b = Conn(port).request(plain)
                assert status == 200, status
                raws[f"{name} GET"] = (plain, 200)
                conditional = f"If-None-Match: {headers['etag']}\r\n"
                path = plain.split()[1].decode()
                raws[f"{name} 304"] = (raw_get(port, path, conditional), 304)
            for raw, expect in raws.values():  # warm every worker up
                drive(port, [raw] * 200, args.get_threads, expect)
            rates, lats, cpus = {k: [] for k in raws}, {k: [] for k in raws}, {}
            cpu = time.process_time()  # this process's CPU: the clients'
            for _ in range(args.rounds):
                for label, (raw, expect) in raws.items():
                    n = args.get_requests
                    rate, times, _b = drive(port, [raw] * n, args.get_threads, expect)
                    rates[label].append(rate)
                    lats[label] += times
                    cpus.setdefault(label, []).append(P.cpu)
            table[config] = (rates, lats)
            medians = (f"{k} {statistics.median(v):,.0f}/s" for k, v in rates.items())
            cpu = (time.process_time() - cpu) / (len(raws) * args.rounds * n) * 1e6
            print(f"  {config}: {', '.join(medians)} (clients' CPU {cpu:.0f} µs/req)")
            cpus = (
                f"{k} {cpu_ms(v)[0]:.2f} + {cpu_ms(v)[1]:.2f}" for k, v in cpus.items()
            )
            print(f"    CPU ms a request, workers + PostgreSQL: {', '.join(cpus)}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return table


def print_get_table(args, table) -> bool:
    print(
        f"\nDiscovery and JWKS, {args.get_threads} clients, {args.get_requests} requests"
        f" × {args.rounds} rounds: median req/s (spread of rounds) p50/p95 ms"
    )
    labels = list(next(iter(table.values()))[0])
    print(f"  {'gunicorn':<12}" + "".join(f"{label:>28}" for label in labels))
    reached = []
    for config, (rates, lats) in table.items():
        cells = [
            f"{statistics.median(rates[k]):,.0f} ({spread(rates[k], '{:,.0f}')}) "
            f"{statistics.median(lats[k]):.1f}/{p95(lats[k]):.1f}"
            for k in labels
        ]
        print(f"  {config:<12}" + "".join(f"{c:>28}" for c in cells))
        if all(statistics.median(rates[k]) >= TARGET_GET_RATE for k in labels):
            reached.append(config)
    target = f"{TARGET_GET_RATE:,.0f} requests/s"
    if reached:
        print(f"PASS: over {target} on all four with {', '.join(reached)}")
    else:
        print(f"FAIL: no configuration reached {target} on all four")
    return bool(reached)


def breakdown(runs: int = 200) -> None:
    """Median ms of each part of a code exchange, run alone, in-process."""
    from django.test import Client
    from django.utils import timezone

    from core.audit import audit_row
    from core.tokens import token_hash
    from oidc import issuance
    from oidc.claims import user_claims
    from oidc.models import AuthorizationCode, OAuthToken
    from oidc.signing_keys import signing_key_private, signing_keys_ensure

    ws, app = {"workspace": P.workspace}, P.application
    client, key = Client(), signing_keys_ensure(**ws)
    claims_of = {"application": app, "user": P.user, "scopes": SCOPE.split()}
    codes, exchanges = iter(make_codes(runs)), iter(make_codes(runs))
    to_claim = [token_hash(code) for code, _verifier in make_codes(runs)]
    claims = iter(AuthorizationCode.objects.filter(code_hash__in=to_claim))

    def read_code():
        hashed = token_hash(next(codes)[0])
        issuance.CODE_READ.first("code", code_hash=hashed, application=app.pk)

    def write_token():
        now, who = timezone.now(), {"actor": app, "target": P.user}
        claim = issuance.Claim(AuthorizationCode, next(claims).pk, "used_at", None, "")
        hashes = [token_hash(secrets.token_urlsafe()) for _ in "ar"]
        row = {"application": app, "user": P.user, "sso_session": P.sso, "scope": SCOPE}
        row.update(access_token_hash=hashes[0], refresh_token_hash=hashes[1])
        row.update(issued_at=now, access_expires_at=now, refresh_expires_at=now)
        token = OAuthToken(**row, auth_time=now, amr=["pwd"], acr="1")
        event = audit_row(action="oauth.token_issued", workspace=P.workspace, **who)
        assert issuance.write(claim=claim, rows=[token, event])

    auth = {"HTTP_AUTHORIZATION": P.auth}

    def exchange():
        body, form = urlencode(code_form(*next(exchanges))), "x-www-form-urlencoded"
        response = client.post(f"/w/{SLUG}/token", body, f"application/{form}", **auth)
        assert response.status_code == 200

    discovery = f"/w/{SLUG}/.well-known/openid-configuration"
    parts = {
        "whole code exchange (test client, no HTTP)": exchange,
        "a request answered 404 (middleware floor)": partial(client.get, "/none/"),
        "discovery document (test client)": partial(client.get, discovery),
        "JWKS (test client)": partial(client.get, f"/w/{SLUG}/.well-known/jwks.json"),
        "code read with user, pool check, identifiers (prepared)": read_code,
        "claim + token row + audit event (one statement)": write_token,
        "active signing key (one query)": partial(signing_keys_ensure, **ws),
        "private key decrypted, PEM imported": partial(signing_key_private, key),
        "user claims (identifiers)": partial(user_claims, **claims_of),
    }
    logging.disable(logging.WARNING)  # the 404s
    print(f"\nParts of a code exchange, in-process (median of {runs} runs each):")
    for label, part in parts.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            part()
            times.append(time.perf_counter() - started)
        print(f"  {statistics.median(times) * 1000:6.2f} ms  {label}")
    logging.disable(logging.NOTSET)


def main() -> int:
    args = parse_args()
    prepare_database(args.database_url, reuse=False)
    setup_django(args.database_url)
    import django
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    setup_provider()
    P.sign = make_signer()
    connection.ensure_connection()
    pg = f"{connection.pg_version // 10000}.{connection.pg_version % 100}"
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, PostgreSQL {pg},"
        f" Python {platform.python_version()}, Django {django.get_version()}"
    )
    count_queries()
    if args.breakdown:
        breakdown()
    ok = True
    if args.only != "get":
        print("\nToken endpoint rounds (gunicorn sync, 1 worker):")
        ok = print_token_table(args, *token_rounds(args)) and ok
    if args.only != "token":
        print("\nDiscovery and JWKS rounds:")
        ok = print_get_table(args, get_rounds(args)) and ok
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
