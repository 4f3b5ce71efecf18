"""``bench/signin.py --fastpath``: each piece of ``core.fastpath`` against the
plain ORM in its place (see signin.py's docstring and bench/README.md, "Issue
21: which fast paths pay")."""

from __future__ import annotations

import gc
import statistics
import time

# Each piece: the path it is measured on (None: timed alone), and what it does.
PIECES = {
    "writes": ("hosted,console", "a sign-in's writes as one statement (Writes)"),
    "prepared": ("console", "reads compiled once (Prepared)"),
    "first-factor": ("hosted", "the first factor's one hand-written query"),
    "hosted-pool": ("hosted", "pool, workspace and policies in one written query"),
    "copy": (None, "COPY of 2,000 rows against executemany"),
    "token-read": (None, "the token request's first read, one written query"),
    "token-write": (None, "a token request's writes' shape as one statement"),
}


def plain(piece: str):
    """A context manager putting the plain ORM in the place of ``piece``."""
    from contextlib import ExitStack
    from unittest import mock

    stack = ExitStack()
    patch = stack.enter_context
    if piece == "writes":
        from core.fastpath.writes import Writes

        patch(mock.patch.object(Writes, "_run_as_one", Writes._run_one_by_one))
    elif piece == "prepared":
        from core.fastpath.prepared import Prepared

        patch(
            mock.patch.object(
                Prepared, "first", lambda self, key, **v: self.build(**v).first()
            )
        )
        patch(
            mock.patch.object(
                Prepared,
                "all",
                lambda self, key, **v: list(self.build(**v).order_by("pk")),
            )
        )
    elif piece == "first-factor":
        from accounts.flows import sign_in as signin_flows

        patch(mock.patch.object(signin_flows, "_first_factor_start", _orm_first_factor))
    elif piece == "hosted-pool":
        from accounts.hosted import views

        patch(mock.patch.object(views, "hosted_pool", _orm_hosted_pool))
    elif piece == "copy":
        from django.db import DEFAULT_DB_ALIAS, connections

        # CopyTable's portable path (executemany) instead of COPY.
        patch(mock.patch.object(connections[DEFAULT_DB_ALIAS], "vendor", "plain"))
    elif piece == "token-write":
        from core.fastpath.writes import Writes

        patch(mock.patch.object(Writes, "_run_as_one", Writes._run_one_by_one))
    elif piece == "token-read":
        from oidc import issuance

        patch(
            mock.patch.object(issuance, "token_request_read", _orm_token_request_read)
        )
    return stack


def _orm_first_factor(*, pool, identifier: str, ip):
    """``flows.signin._first_factor_start`` in the plain ORM (as it was before
    issue 13): the block, the address's limit, then the identifier with its
    user and password credential; the second factors read later, by
    ``presence.authenticators_of``."""
    from accounts.authenticators.lockout.services import lock_wait
    from accounts.flows.sign_in import ADDRESS_LIMIT, _wait_error
    from core import ratelimit
    from identity_pools.models import Identifier

    address = ratelimit.Limit(f"hosted:signin:{ip}", *ADDRESS_LIMIT)
    locked = lock_wait(pool=pool, identifier=identifier)
    wait = max(
        locked or 0,
        ratelimit.retry_after(address) if ratelimit.is_limited(address) else 0,
    )
    if wait:
        raise _wait_error(wait)
    found = (
        Identifier.objects.filter(pool=pool, value=identifier)
        .select_related("user", "user__password_credential")
        .first()
    )
    user = found.user if found else None
    if user is not None:
        user.pool = pool
    return locked, user


def _orm_hosted_pool(*, slug: str, pool_id):
    """``hosted.access.hosted_pool`` in the plain ORM."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from identity_pools.models import IdentityPool

    try:
        pool = (
            IdentityPool.objects.select_related(
                "workspace", "password_policy", "sign_in_policy"
            )
            .filter(workspace__slug=slug, pk=pool_id)
            .first()
        )
    except ValidationError:
        raise Http404("No such pool.") from None
    if pool is None:
        raise Http404("No such pool.")
    return pool


def _orm_token_request_read(*, slug, client_id, limit, now):
    """``oidc.issuance.token_request_read`` in the plain ORM: three queries."""
    from core import ratelimit
    from oidc.models import Application
    from workspaces.models import Workspace

    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        return None, None, 0
    application = None
    if client_id is not None:
        application = Application.objects.filter(
            workspace=workspace, client_id=client_id
        ).first()
    return workspace, application, ratelimit.count(limit, now=now)


def fastpaths(pieces: list[str], paths: dict, args, *, pool, workspace) -> None:
    """Each piece with (A) and without (B), in turns (see the docstring)."""
    from contextlib import nullcontext
    from unittest import mock

    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.db import connection

    print(
        f"database: {connection.vendor}; {args.rounds} rounds, A and B in turns; "
        f"hash: {'none (--no-hash)' if args.no_hash else 'Argon2id'}"
    )
    if args.no_hash:
        mock.patch.object(Argon2PasswordHasher, "verify", lambda *a: True).start()
    alone = {
        "copy": _copy_run(),
        "token-read": _token_read_run(workspace),
        "token-write": _token_write_run(workspace),
    }
    for piece in pieces:
        where, label = PIECES[piece]
        runs = (
            [(piece, alone[piece], 20)]
            if where is None
            else [(p, paths[p][1], max(1, args.count // 5)) for p in where.split(",")]
        )
        for name, run, n in runs:
            for variant in ("A", "B"):  # warm up both
                with nullcontext() if variant == "A" else plain(piece):
                    for _ in range(5):
                        run()
            gc.collect()
            rates: dict[str, list[float]] = {"A": [], "B": []}
            cpu: dict[str, list[float]] = {"A": [], "B": []}
            for r in range(args.rounds):
                order = ("A", "B") if r % 2 == 0 else ("B", "A")
                for variant in order:
                    with nullcontext() if variant == "A" else plain(piece):
                        start, cpu_start = time.perf_counter(), time.process_time()
                        for _ in range(n):
                            run()
                        rates[variant].append(n / (time.perf_counter() - start))
                        cpu[variant].append(
                            (time.process_time() - cpu_start) * 1000 / n
                        )
            a, b = statistics.median(rates["A"]), statistics.median(rates["B"])
            ca, cb = statistics.median(cpu["A"]), statistics.median(cpu["B"])
            # Each round's A against the same round's B: the load of the
            # moment weighs on both, so the median of these is steadier.
            paired = statistics.median(
                x / y - 1 for x, y in zip(rates["A"], rates["B"], strict=True)
            )
            low, high = (
                min(x / y - 1 for x, y in zip(rates["A"], rates["B"], strict=True)),
                max(x / y - 1 for x, y in zip(rates["A"], rates["B"], strict=True)),
            )
            unit = "sign-ins/s" if where else "runs/s"
            print(
                f"{piece} on {name} ({label}): A {a:7.1f} {unit}, B (plain ORM) "
                f"{b:7.1f}; A over B, round by round: median {paired:+.1%} "
                f"({low:+.0%} to {high:+.0%}); CPU per run A {ca:.2f} ms, "
                f"B {cb:.2f} ms ({cb - ca:+.2f} ms without it)"
            )


def _copy_run():
    """2,000 group memberships (one user in 2,000 groups) written by
    ``CopyTable`` and rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from identity_pools.ids import uuid7
    from identity_pools.models import Group, PoolUser
    from identity_pools.transfer.writes import MEMBERSHIPS

    user = PoolUser.objects.order_by("pk").first()
    names = [f"Bench copy {i}" for i in range(2000)]
    Group.objects.bulk_create(
        [Group(pool_id=user.pool_id, name=name) for name in names],
        ignore_conflicts=True,
    )
    groups = list(
        Group.objects.filter(pool_id=user.pool_id, name__in=names).values_list(
            "pk", flat=True
        )
    )

    class Rollback(Exception):
        pass

    def run() -> None:
        now = timezone.now()
        rows = [(uuid7().hex, group, user.pk, now) for group in groups]
        try:
            with transaction.atomic():
                MEMBERSHIPS.insert(rows)
                raise Rollback
        except Rollback:
            pass

    return run


def _token_write_run(workspace):
    """What ``oidc.issuance.write`` runs for a code exchange: a single-use
    claim (a conditional UPDATE), then two INSERTs only if it changed a row
    (the token's and the audit event's rows stand in as two audit events)."""
    from django.utils import timezone

    from core.fastpath.writes import Writes
    from core.models import AuditEvent
    from identity_pools.models import PoolUser

    user = PoolUser.objects.order_by("pk").first()

    def run() -> None:
        writes = Writes()
        claimed = writes.update(
            PoolUser, where={"pk": user.pk}, last_sign_in_at=timezone.now()
        )
        for action in ("bench.token", "bench.audit"):
            event = AuditEvent(
                actor_type="system", workspace_id=workspace.pk, action=action
            )
            writes.insert(event, when=claimed)
        writes.run()

    return run


def _token_read_run(workspace):
    """The token request's first read, for a client the workspace lacks."""
    from django.utils import timezone

    from core.ratelimit import Limit
    from oidc import issuance

    limit = Limit("bench:token", 10, 60)

    def run() -> None:
        issuance.token_request_read(
            slug=workspace.slug, client_id="bench-none", limit=limit, now=timezone.now()
        )

    return run
