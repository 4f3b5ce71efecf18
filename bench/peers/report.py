"""bench/peers/run.py's tables, the issue's targets beside them, and JSON."""

from __future__ import annotations

import json
import statistics

SIGNIN_PEERS = ("Django LoginView", "django-allauth")
PROVIDER_KINDS = ("code exchange", "refresh", "userinfo", "discovery", "jwks")
OURS = "ours"
DOT, NODE = "django-oauth-toolkit", "node-oidc-provider"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def summarise(entry: dict) -> dict:
    rates = entry["rates"]
    server = statistics.median(entry["server_cpu_ms"])
    pg = statistics.median(entry["pg_cpu_ms"])
    return {
        "rate": statistics.median(rates),
        "low": min(rates),
        "high": max(rates),
        "rounds": [round(r, 1) for r in rates],
        "p50_ms": statistics.median(entry["latencies"]),
        "p95_ms": p95(entry["latencies"]),
        "server_cpu_ms": server,
        "pg_cpu_ms": pg,
        "per_cpu_second": 1000 / (server + pg) if server + pg else 0.0,
        "client_cpu_ms": statistics.median(entry["client_cpu_ms"]),
        "requests": entry["requests"],
    }


def summaries(data: dict) -> dict:
    return {
        kind: {label: summarise(e) for label, e in labels.items()}
        for kind, labels in data.items()
    }


def _rate(s: dict) -> str:
    spread = (
        f"({s['low']:,.0f}–{s['high']:,.0f})"
        if s["rate"] >= 100
        else f"({s['low']:.1f}–{s['high']:.1f})"
    )
    main = f"{s['rate']:,.0f}" if s["rate"] >= 100 else f"{s['rate']:.1f}"
    return f"{main:>7} {spread:<15}"


def _row(label: str, s: dict) -> str:
    return (
        f"  {label:<32} {_rate(s)} {s['p50_ms']:7.1f} {s['p95_ms']:7.1f} "
        f"{s['server_cpu_ms']:8.2f} {s['pg_cpu_ms']:6.2f} {s['per_cpu_second']:9,.0f}"
    )


HEAD = (
    f"  {'':<32} {'rate/s':>7} {'(rounds)':<15} {'p50 ms':>7} {'p95 ms':>7} "
    f"{'CPU ms: server':>8} {'PG':>6} {'per CPU-s':>9}"
)


def print_report(data: dict, meta: dict, args) -> None:
    table = summaries(data)
    options = meta["options"]
    print(
        f"\n{meta['started']}, {meta['minutes']} min, {meta['cpus']} CPUs, load average "
        f"{meta['load_average']['start'][0]:.1f} at the start, "
        f"{meta['load_average']['end'][0]:.1f} at the end; Python {meta['python']}"
        + (f", node {meta['node']}" if meta.get("node") else "")
        + f"; {options['clients']} clients, {options['rounds']} rounds"
    )
    print(
        "rate: median of the rounds (slowest–fastest); CPU: the server process and its"
    )
    print(
        "PostgreSQL backends a unit (median of the rounds); per CPU-s: units per second of both"
    )
    if "signin" in table:
        rows = table["signin"]
        print(
            f"\nSign-ins (each a new browser: GET the form, POST it; {options['signins']} a round), "
            "one gunicorn sync worker each:"
        )
        print(
            HEAD
            + f" {'requests':>8}"
            + "".join(f" {'÷ ' + p.split()[-1]:>10}" for p in SIGNIN_PEERS)
        )
        for label, s in rows.items():
            ratios = "".join(
                f" {s['rate'] / rows[p]['rate']:10.2f}" if p in rows else f" {'':>10}"
                for p in SIGNIN_PEERS
            )
            print(_row(label, s) + f" {s['requests']:8}" + ratios)
    provider_kinds = [k for k in PROVIDER_KINDS if k in table]
    if provider_kinds:
        print(
            f"\nOpenID provider, one process each (token endpoint: {options['requests']} a "
            f"round; userinfo, discovery, JWKS: {options['get_requests']}):"
        )
        print(HEAD + f" {'ours ÷ it':>10}")
        for kind in provider_kinds:
            rows = table[kind]
            print(f"  {kind}")
            for label, s in rows.items():
                ratio = (
                    f" {rows[OURS]['rate'] / s['rate']:10.2f}"
                    if label != OURS and OURS in rows
                    else ""
                )
                print(_row(f"  {label}", s) + ratio)
    print_targets(table)
    clients = [s["client_cpu_ms"] for rows in table.values() for s in rows.values()]
    if clients:
        print(
            f"\nThe clients' own CPU: {min(clients):.2f}–{max(clients):.2f} ms a unit (this process)."
        )


def print_targets(table: dict) -> None:
    """The issue's later targets, as met or not on these figures."""
    lines = []
    signins = table.get("signin", {})
    if "Django LoginView" in signins:
        floor = signins["Django LoginView"]["rate"]
        for label, s in signins.items():
            if label.startswith(OURS):
                lines.append(
                    (
                        s["rate"] >= floor,
                        f"{label} at least matches LoginView: {s['rate'] / floor:.2f}×",
                    )
                )
    userinfo = table.get("userinfo", {})
    if OURS in userinfo and DOT in userinfo:
        ratio = userinfo[OURS]["rate"] / userinfo[DOT]["rate"]
        lines.append(
            (
                ratio >= 1,
                f"userinfo at least matches django-oauth-toolkit: {ratio:.2f}×",
            )
        )
    for kind in PROVIDER_KINDS:
        rows = table.get(kind, {})
        if OURS in rows and NODE in rows:
            ratio = rows[OURS]["rate"] / rows[NODE]["rate"]
            lines.append(
                (
                    ratio >= 0.5,
                    f"{kind} at least half of node-oidc-provider's rate: {ratio:.2f}×",
                )
            )
    if lines:
        print("\nThe issue's targets on these figures:")
        for met, text in lines:
            print(f"  {'met    ' if met else 'NOT MET'}  {text}")


def write_json(path: str, data: dict, meta: dict) -> None:
    with open(path, "w") as out:
        json.dump({"meta": meta, "results": summaries(data)}, out, indent=2)
        out.write("\n")
    print(f"\nWrote {path}")
