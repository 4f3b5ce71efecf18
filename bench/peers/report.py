"""bench/peers/run.py's tables, the issue's targets beside them, and JSON."""

from __future__ import annotations

import json
import statistics

SIGNIN_PEERS = ("Django LoginView", "django-allauth")
PROVIDER_KINDS = ("code exchange", "refresh", "userinfo", "discovery", "jwks")
OURS = "ours"
DOT, NODE = "django-oauth-toolkit", "node-oidc-provider"
FLOOR = "gunicorn floor"  # targets.setup_floor's label
SHORT = {
    "Django LoginView": "LoginView",
    "django-allauth": "allauth",
    DOT: "DOT",
    NODE: "node",
}


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


def _worker(options: dict) -> str:
    if options.get("worker_class") == "gthread":
        return f"gthread worker ({options['threads']} threads)"
    return "sync worker"


WIDTH = {"label": 32}  # the longest label, set by print_report


def _row(label: str, s: dict) -> str:
    return (
        f"  {label:<{WIDTH['label']}} {_rate(s)} {s['p50_ms']:7.1f} {s['p95_ms']:7.1f} "
        f"{s['server_cpu_ms']:7.2f} {s['pg_cpu_ms']:6.2f} {s['per_cpu_second']:7,.0f}"
    )


def _head() -> str:
    return (
        f"  {'':<{WIDTH['label']}} {'rate/s':>7} {'(rounds)':<15} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'CPU ms':>7} {'PG ms':>6} {'/CPU-s':>7}"
    )


def print_report(data: dict, meta: dict, args) -> None:
    table = summaries(data)
    options = meta["options"]
    WIDTH["label"] = max(len(label) + 2 for rows in table.values() for label in rows)
    print(
        f"\n{meta['started']}, {meta['minutes']} min, {meta['cpus']} CPUs, load average "
        f"{meta['load_average']['start'][0]:.1f} at the start, "
        f"{meta['load_average']['end'][0]:.1f} at the end; Python {meta['python']}"
        + (f", node {meta['node']}" if meta.get("node") else "")
        + f"; {options['clients']} clients, {options['rounds']} rounds"
    )
    print(
        "rate/s: median of the rounds (slowest–fastest); CPU ms: the server process's"
        " CPU a unit,\nPG ms: its PostgreSQL backends' (medians of the rounds);"
        " /CPU-s: units per second of both"
    )
    if "signin" in table:
        rows = table["signin"]
        print(
            "\nSign-ins (each a new browser: GET the form, POST it;"
            f" {options['signins']} a round), one gunicorn {_worker(options)} each:"
        )
        print(
            _head()
            + f" {'requests':>8}"
            + "".join(f" {'÷ ' + SHORT[p]:>11}" for p in SIGNIN_PEERS)
        )
        for label, s in rows.items():
            ratios = "".join(
                f" {s['rate'] / rows[p]['rate']:11.2f}" if p in rows else f" {'':>11}"
                for p in SIGNIN_PEERS
            )
            print(_row(label, s) + f" {s['requests']:8}" + ratios)
    provider_kinds = [k for k in PROVIDER_KINDS if k in table]
    if provider_kinds:
        peers = [p for p in (DOT, NODE) if any(p in table[k] for k in provider_kinds)]
        print(
            f"\nOpenID provider, one process each (gunicorn: one {_worker(options)};"
            f" token endpoint: {options['requests']}"
            f" a round; userinfo, discovery, JWKS: {options['get_requests']}):"
        )
        print(_head() + "".join(f" {'÷ ' + SHORT[p]:>11}" for p in peers))
        for kind in provider_kinds:
            rows = table[kind]
            print(f"  {kind}")
            for label, s in rows.items():
                ratios = "".join(
                    f" {s['rate'] / rows[p]['rate']:11.2f}"
                    if p in rows
                    else f" {'':>11}"
                    for p in peers
                )
                print(_row(f"  {label}", s) + ratios)
    print_targets(table)
    clients = [s["client_cpu_ms"] for rows in table.values() for s in rows.values()]
    if clients:
        print(
            f"\nThe clients' own CPU: {min(clients):.2f}–{max(clients):.2f} ms a unit (this process)."
        )


def _ratios(ours: dict, peer: dict) -> tuple[float, str]:
    """``ours``' rate over ``peer``'s, and the same per CPU-second (server and
    PostgreSQL) as words."""
    ratio = ours["rate"] / peer["rate"]
    per_cpu = ours["per_cpu_second"] / peer["per_cpu_second"]
    return ratio, f"{ratio:.2f}× (per CPU-second {per_cpu:.2f}×)"


def print_targets(table: dict) -> None:
    """The issue's later targets, as met or not on these figures; beside each,
    the same per CPU-second, and what the gunicorn floor (--floor) reaches."""
    lines = []
    signins = table.get("signin", {})
    if "Django LoginView" in signins:
        login_view = signins["Django LoginView"]
        for label, s in signins.items():
            if label.startswith(OURS):
                ratio, words = _ratios(s, login_view)
                lines.append(
                    (ratio >= 1, f"{label} at least matches LoginView: {words}")
                )
    for kind in PROVIDER_KINDS:
        rows = table.get(kind, {})
        for label in [label for label in rows if label.startswith(OURS)]:
            if kind == "userinfo" and DOT in rows:
                ratio, words = _ratios(rows[label], rows[DOT])
                text = f"{label}: userinfo at least matches django-oauth-toolkit"
                lines.append((ratio >= 1, f"{text}: {words}"))
            if NODE in rows:
                ratio, words = _ratios(rows[label], rows[NODE])
                text = f"{label}: {kind} at least half of node-oidc-provider's rate"
                if FLOOR in rows:
                    floor = rows[FLOOR]["rate"] / rows[NODE]["rate"]
                    words += f"; the gunicorn floor {floor:.2f}×"
                lines.append((ratio >= 0.5, f"{text}: {words}"))
    if lines:
        print("\nThe issue's targets on these figures (median rates):")
        for met, text in lines:
            print(f"  {'met    ' if met else 'NOT MET'}  {text}")


def write_json(path: str, data: dict, meta: dict) -> None:
    with open(path, "w") as out:
        json.dump({"meta": meta, "results": summaries(data)}, out, indent=2)
        out.write("\n")
    print(f"\nWrote {path}")
