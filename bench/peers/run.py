"""Identity Pools beside its peers, in the same run, one process each:
sign-ins against Django's LoginView and django-allauth's login, and the
OpenID provider's token endpoint, userinfo, discovery and JWKS against
django-oauth-toolkit and node-oidc-provider.

    .venv/bin/python bench/peers/run.py [--rounds 5] [--requests 300]
        [--signins 100] [--get-requests 1000] [--clients 3]
        [--only signin,token,userinfo,discovery,jwks] [--skip-node]
        [--database-url-prefix postgres://postgres@127.0.0.1:5432/ip_bench_peers]
        [--ours CHECKOUT[=LABEL] ...] [--ours-alg RS256|ES256]
        [--connection-close] [--worker-class sync|gthread [--threads 4]]
        [--floor] [--json results.json]

Every server runs on PostgreSQL, in its own database (prefix + _ours, _django,
_node: dropped and made again), with one gunicorn worker (sync, as in
production, or --worker-class gthread: ours, and the
Django peers: LoginView, allauth and django-oauth-toolkit in one project) or
one node process, and is driven only from outside: HTTP, and for ours the
documented commands and REST API to set it up. The peers are installed on
first use into bench/peers/.venv (requirements.txt, with hashes) and
bench/peers/node/node_modules (package-lock.json). Rounds interleave every
measurement (each round in another order) so that the machine's other work
weighs on all alike; the table gives the median rate and the spread of the
rounds, latency over every round, and the CPU the server and its PostgreSQL
backends spent a request (/proc). See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from client import (
    CLOSE,
    BenchError,
    Browser,
    Conn,
    drive,
    expect,
    raw_request,
    sign_in,
)
from report import print_report, write_json
from servers import (
    LOGS,
    STARTED,
    WORKER,
    Backends,
    SetupError,
    cpu_seconds,
    database_url,
    ensure_node_peer,
    ensure_python_peers,
    stop_all,
)
from targets import (
    REDIRECT,
    check_sign_in,
    setup_django_peers,
    setup_floor,
    setup_node,
    setup_ours,
)

KINDS = ["signin", "token", "userinfo", "discovery", "jwks"]
PREFIX = "postgres://postgres@127.0.0.1:5432/ip_bench_peers"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    add = parser.add_argument
    add("--rounds", type=int, default=5, help="measurement rounds (default 5)")
    add(
        "--requests",
        type=int,
        default=300,
        help="code exchanges (and as many refreshes) per provider and round",
    )
    add("--signins", type=int, default=100, help="sign-ins per path and round")
    add(
        "--get-requests",
        type=int,
        default=1000,
        help="userinfo, discovery and JWKS requests per provider and round",
    )
    add("--clients", type=int, default=3, help="concurrent client connections")
    add(
        "--only", default=",".join(KINDS), help=f"comma-separated, of {','.join(KINDS)}"
    )
    add("--skip-node", action="store_true", help="leave node-oidc-provider out")
    add(
        "--database-url-prefix",
        default=PREFIX,
        help="databases are this + _ours, _django, _node (names must contain 'bench')",
    )
    add(
        "--ours-alg",
        default="RS256",
        choices=["RS256", "ES256"],
        help="our application's ID-token algorithm (the peers sign with RS256)",
    )
    add(
        "--ours",
        action="append",
        metavar="CHECKOUT[=LABEL]",
        help="a checkout of Identity Pools to measure (default: this one); give it "
        "twice, e.g. --ours ../before=before --ours .=after, for before and after "
        "in the same run (its .venv if it has one, else this Python)",
    )
    add(
        "--connection-close",
        action="store_true",
        help="a new connection for every request, to node too (gunicorn's sync "
        "workers close every connection; node keeps them open by default)",
    )
    add(
        "--worker-class",
        default="sync",
        choices=["sync", "gthread"],
        help="every gunicorn server's one worker (default sync, as production's "
        "config/gunicorn.conf.py: one request at a time, every connection closed)",
    )
    add("--threads", type=int, default=4, help="threads of a gthread worker")
    add(
        "--floor",
        action="store_true",
        help="also serve ours' discovery document and JWKS as fixed bytes from a "
        "bare WSGI function under the same gunicorn (bench/peers/floor_app.py)",
    )
    add("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    args.kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(args.kinds) - set(KINDS)
    if unknown or not args.kinds:
        parser.error(f"--only takes {','.join(KINDS)}, not {','.join(sorted(unknown))}")
    counts = (args.rounds, args.requests, args.signins, args.get_requests, args.clients)
    if min(counts) < 1:
        parser.error("--rounds, --requests, --signins, --get-requests, --clients: 1+")
    many = len(args.ours or []) > 1
    args.ours = [_checkout(value, many=many) for value in args.ours or ["."]]
    if len({label for _root, label in args.ours}) < len(args.ours):
        parser.error("each --ours needs its own label: --ours CHECKOUT=LABEL")
    return args


def _checkout(value: str, *, many: bool) -> tuple[Path, str]:
    path, _, label = value.partition("=")
    root = Path(path).resolve()
    if not (root / "manage.py").exists():
        sys.exit(
            f"--ours {value}: {root} has no manage.py (an Identity Pools checkout?)"
        )
    return root, f"ours {label}" if label else ("ours " + root.name if many else "ours")


class Results:
    """Every measurement, by kind and target: rates, latencies (ms), server
    and PostgreSQL CPU ms a unit, the clients' CPU, requests a unit."""

    def __init__(self, backends: Backends):
        self.backends, self.data = backends, {}

    def _cpu(self, server) -> dict:
        pg = {("pg", p): cpu_seconds([p]) for p in self.backends.pids(server.database)}
        return {**{("server", p): cpu_seconds([p]) for p in server.pids()}, **pg}

    def measure(self, kind: str, label: str, server, units: list, clients: int, run):
        before = self._cpu(server)
        timing = drive(server.port, units, clients, run)
        after = self._cpu(server)
        spent = {"server": 0.0, "pg": 0.0}
        for key, value in after.items():
            spent[key[0]] += value - before.get(key, 0.0)
        entry = self.data.setdefault(kind, {}).setdefault(
            label,
            {
                "rates": [],
                "latencies": [],
                "server_cpu_ms": [],
                "pg_cpu_ms": [],
                "client_cpu_ms": [],
                "requests": None,
            },
        )
        entry["rates"].append(timing.rate)
        entry["latencies"] += timing.latencies
        entry["server_cpu_ms"].append(spent["server"] * 1000 / len(units))
        entry["pg_cpu_ms"].append(spent["pg"] * 1000 / len(units))
        entry["client_cpu_ms"].append(timing.client_cpu * 1000)
        return timing


def measure_signins(results: Results, path, n: int, clients: int) -> None:
    def one(conn, _unit):  # a new browser: no cookies
        return sign_in(Browser(conn), path.start, path.values)[1]

    timing = results.measure(
        "signin", path.label, path.server, list(range(n)), clients, one
    )
    results.data["signin"][path.label]["requests"] = max(timing.results)


def post_token(conn, raw) -> bytes:
    return expect(conn.request(raw), 200, "token request").body


def get_ok(conn, raw) -> None:
    expect(conn.request(raw), 200, "GET")


def measure_tokens(results: Results, provider, n: int, clients: int) -> None:
    """``n`` codes made beforehand (untimed), exchanged, then their refresh
    tokens exchanged; keeps access tokens for userinfo."""
    port, path = provider.server.port, provider.endpoints["token_endpoint"]
    basic = f"{provider.client_id}:{provider.client_secret}".encode()
    auth = {"Authorization": "Basic " + base64.b64encode(basic).decode()}
    browser, started = Browser(Conn(port)), time.monotonic()
    codes = [provider.code(browser) for _ in range(n)]
    browser.conn.close()
    if time.monotonic() - started > 45:  # codes live 60 s on all three
        print(f"  ({provider.label}: {n} codes took over 45 s; try fewer --requests)")
    forms = [
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        for code, verifier in codes
    ]
    raws = [raw_request(port, "POST", path, headers=auth, form=f) for f in forms]
    timing = results.measure(
        "code exchange", provider.label, provider.server, raws, clients, post_token
    )
    tokens = [json.loads(body) for body in timing.results]
    if not all("id_token" in t and "refresh_token" in t for t in tokens):
        raise BenchError(
            f"{provider.label}: a code exchange without ID or refresh token"
        )
    forms = [
        {"grant_type": "refresh_token", "refresh_token": t["refresh_token"]}
        for t in tokens
    ]
    raws = [raw_request(port, "POST", path, headers=auth, form=f) for f in forms]
    timing = results.measure(
        "refresh", provider.label, provider.server, raws, clients, post_token
    )
    tokens = [json.loads(body) for body in timing.results]
    if not all("id_token" in t and "refresh_token" in t for t in tokens):
        raise BenchError(f"{provider.label}: a refresh without ID or refresh token")
    provider.access_tokens = [t["access_token"] for t in tokens][:20]
    for kind in ("code exchange", "refresh"):
        results.data[kind][provider.label]["requests"] = 1


def measure_gets(results: Results, kind: str, provider, n: int, clients: int) -> None:
    port = provider.server.port
    if kind == "userinfo":
        path = provider.endpoints["userinfo_endpoint"]
        tokens = provider.access_tokens
        raws = [
            raw_request(
                port,
                "GET",
                path,
                headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
            )
            for i in range(n)
        ]
    else:
        path = (
            provider.discovery
            if kind == "discovery"
            else provider.endpoints["jwks_uri"]
        )
        raws = [raw_request(port, "GET", path)] * n
    results.measure(kind, provider.label, provider.server, raws, clients, get_ok)
    results.data[kind][provider.label]["requests"] = 1


def rotated(items: list, by: int) -> list:
    by %= max(1, len(items))
    return items[by:] + items[:by]


def measure_round(
    args, results, r: int, paths: list, providers: list, *, warm=False
) -> None:
    signins = 5 if warm else args.signins
    requests, gets = (20, 100) if warm else (args.requests, args.get_requests)
    if "signin" in args.kinds:
        for path in rotated(paths, r):
            measure_signins(results, path, signins, args.clients)
    needs_tokens = {"token", "userinfo"} & set(args.kinds)
    for provider in rotated(providers, r) if needs_tokens else []:
        measure_tokens(results, provider, requests, args.clients)
    for kind in ("userinfo", "discovery", "jwks"):
        if kind in args.kinds:
            floors = args.floors if kind != "userinfo" else []
            for provider in rotated(providers + floors, r):
                measure_gets(results, kind, provider, gets, args.clients)


def summary_line(results: Results, r: int) -> str:
    parts = []
    for kind, labels in results.data.items():
        rates = ", ".join(
            f"{label} {entry['rates'][-1]:,.0f}" for label, entry in labels.items()
        )
        parts.append(f"{kind}: {rates}")
    return f"  round {r + 1} ({os.getloadavg()[0]:.1f} load): " + "; ".join(parts)


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stops the servers too
    try:
        return measure_all(args)
    except (SetupError, BenchError) as exc:
        print(f"\nbench/peers: {exc}", file=sys.stderr)
        for server in STARTED:
            print(f"\n--- {server.name}'s log, {server.log_path}:", file=sys.stderr)
            print(server.tail(), file=sys.stderr)
        return 1
    finally:
        stop_all()


def measure_all(args) -> int:
    prefix = args.database_url_prefix.rstrip("/")
    admin = urlunsplit(urlsplit(prefix)._replace(path="/postgres"))
    started, load = dt.datetime.now(dt.UTC), os.getloadavg()
    CLOSE["close"] = args.connection_close
    WORKER.update({"class": args.worker_class, "threads": args.threads})
    python = ensure_python_peers()
    want_node = not args.skip_node and args.kinds != ["signin"]
    node = ensure_node_peer() if want_node else None
    paths, providers = [], []
    for root, label in args.ours:
        ours_python = root / ".venv/bin/python"
        ours_python = ours_python if ours_python.exists() else Path(sys.executable)
        print(f"Setting up {label} ({root}) …", flush=True)
        suffix = re.sub(r"[^a-z0-9]+", "_", label.lower())
        found, ours = setup_ours(database_url(prefix, suffix), root=root,
                                 python=ours_python, label=label, alg=args.ours_alg)  # fmt: skip
        paths, providers = paths + found, [*providers, ours]
    print("Setting up the Django peers …", flush=True)
    peer_paths, dot = setup_django_peers(database_url(prefix, "django"), python)
    paths, providers = paths + peer_paths, [*providers, dot]
    if node:
        print("Setting up node-oidc-provider …", flush=True)
        providers.append(setup_node(database_url(prefix, "node"), node))
    args.floors = []
    if args.floor and {"discovery", "jwks"} & set(args.kinds):
        print("Setting up the gunicorn floor …", flush=True)
        first_python = args.ours[0][0] / ".venv/bin/python"
        first_python = first_python if first_python.exists() else Path(sys.executable)
        args.floors.append(setup_floor(providers[0], first_python))
    print("Checking each sign-in:", flush=True)
    for path in paths:
        check_sign_in(path)
    backends = Backends(admin)
    try:
        print(f"Warming up (server logs in {LOGS}) …", flush=True)
        measure_round(args, Results(backends), 0, paths, providers, warm=True)
        results = Results(backends)
        for r in range(args.rounds):
            measure_round(args, results, r, paths, providers)
            print(summary_line(results, r), flush=True)
    finally:
        backends.close()
    if "token" not in args.kinds:  # measured only to have access tokens for userinfo
        for kind in ("code exchange", "refresh"):
            results.data.pop(kind, None)
    meta = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": round((time.time() - started.timestamp()) / 60, 1),
        "load_average": {
            "start": [round(x, 2) for x in load],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "node": node and run_version([node, "--version"]),
        "options": {
            k: v for k, v in vars(args).items() if k not in ("kinds", "ours", "floors")
        },
        "ours": {label: str(root) for root, label in args.ours},
    }
    print_report(results.data, meta, args)
    if args.json:
        write_json(args.json, results.data, meta)
    return 0


def run_version(command: list[str]) -> str:
    import subprocess

    return subprocess.run(command, capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
