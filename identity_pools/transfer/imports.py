"""Bulk import of pool users (the API's ``POST …/users/import`` and
``manage.py import_users``): records in, one outcome per record out.

Set-based: every record is checked in Python first (``records``), then one query
finds the batch's identifiers and ids already taken, then the new users, their
identifiers, credentials and memberships go in with a few bulk statements in one
transaction, with the counters and one audit event for the whole request
(``pool_users.imported``, with the counts; not one event per user). The unique
constraint on identifiers is the last guard: when a concurrent writer takes an
identifier (or an id) between the check and the insert, the batch is written
again record by record, and a record that lost is decided again against what
the winner wrote, as if it had been there at the check: skipped or updated as
``on_conflict`` says, an error only under "error" (an equal record sent twice at
once is one user, created by one request and skipped by the others). A record is
written whole (user, identifiers, password, memberships) or not at all.
"""

from __future__ import annotations

import gc
import os
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.audit import audit_record

from ..counters import counters_add
from ..hash_limits import pool_dummy_raise
from ..models import Group, Identifier, IdentityPool, PoolUser
from ..policies.passwords import password_policy_for
from ..services.groups import group_create
from .messages import problem, text
from .records import Prepared, RecordChecker
from .writes import (
    Rows,
    apply_updates,
    chunks,
    insert_rows,
    new_ids,
    rows_for,
)

# The limits of one import call: records, and bytes of a request's body.
MAX_RECORDS = 10_000
MAX_BYTES = 64 * 1024 * 1024
ON_CONFLICT = ("error", "skip", "update")
CREATED, UPDATED, SKIPPED, ERROR = "created", "updated", "skipped", "error"


@dataclass
class ImportReport:
    """What happened to each record, in order: ``results`` items are
    ``{"index", "id", "outcome", "errors"}``."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    results: list[dict] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "results": self.results,
        }


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside: a batch allocates hundreds of
    thousands of small objects, none in cycles, and each full collection they
    trigger would walk them all again (about a tenth of an import's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ImportTooLarge(Exception):
    """One import call over a limit; ``str()`` says which, in the catalogue's
    words (``too_large.records``, ``too_large.bytes``)."""


def import_limits_check(*, records: int = 0, size: int = 0) -> None:
    """The one check of an import call's limits: raise ImportTooLarge when it
    holds more than ``MAX_RECORDS`` records or (a request's body) more than
    ``MAX_BYTES`` bytes. ``pool_users_import`` checks its records; a caller that
    can count sooner (the API, before parsing a body) calls it first."""
    if size > MAX_BYTES:
        raise ImportTooLarge(text("too_large.bytes", max=MAX_BYTES // (1024 * 1024)))
    if records > MAX_RECORDS:
        raise ImportTooLarge(text("too_large.records", max=f"{MAX_RECORDS:,}"))


@dataclass
class _Plan:
    """The outcome decided for each record before anything is written."""

    outcomes: list[str]
    user_ids: list[uuid.UUID | None]
    errors: dict[int, list[dict]]
    prepared: list[Prepared | None]


def pool_users_import(
    *,
    pool: IdentityPool,
    actor,
    records: Sequence[object],
    on_conflict: str = "error",
    dry_run: bool = False,
    create_groups: bool = False,
    first_index: int = 0,
    text_checked: bool = False,
) -> ImportReport:
    """Import ``records`` (parsed JSON values, or ``records.Unparsable``) into
    ``pool``, which the caller resolved through the actor's workspace.

    ``on_conflict`` says what happens to a record whose user exists (its ``id``
    is a user of the pool, or one of its identifiers belongs to one): "error",
    "skip", or "update". A record whose ``id`` is already a user of the pool is
    a retry: "skipped" unless "update". ``dry_run`` checks and reports without
    writing anything. Groups are found by name, case-insensitively; unknown ones
    are the record's error, or created with ``create_groups``. Result indexes
    start at ``first_index``. ``text_checked``: no string in ``records`` can
    hold a NUL or a lone surrogate (see ``records.RecordChecker``).

    Raises ImportTooLarge over ``MAX_RECORDS`` (``import_limits_check``),
    ValueError for an ``on_conflict`` not in ``ON_CONFLICT``.
    """
    import_limits_check(records=len(records))
    if on_conflict not in ON_CONFLICT:
        raise ValueError(on_conflict)
    with gc_paused():
        return _import(
            pool,
            actor,
            records,
            on_conflict,
            dry_run,
            create_groups,
            first_index,
            text_checked,
        )


def _import(
    pool, actor, records, on_conflict, dry_run, create_groups, first_index, text_checked
) -> ImportReport:
    plan = _plan(
        pool,
        records,
        on_conflict,
        create_groups=create_groups,
        text_checked=text_checked,
    )
    report = ImportReport()
    if not dry_run:
        group_ids = _groups_ready(pool, actor, plan, create_groups, report)
        _hash_passwords(plan)
        _write(
            pool,
            plan,
            group_ids,
            on_conflict,
            then=lambda: _record(pool, actor, plan, report, on_conflict),
        )
    for i in range(len(records)):
        outcome = plan.outcomes[i]
        user_id = plan.user_ids[i]
        report.results.append(
            {
                "index": first_index + i,
                "id": str(user_id) if user_id else None,
                "outcome": outcome,
                "errors": plan.errors.get(i, []),
            }
        )
    counts = Counter(plan.outcomes)
    report.created, report.updated = counts[CREATED], counts[UPDATED]
    report.skipped, report.failed = counts[SKIPPED], counts[ERROR]
    return report


# --- deciding ------------------------------------------------------------------------


def _plan(
    pool, records, on_conflict: str, *, create_groups: bool, text_checked: bool
) -> _Plan:
    check = RecordChecker(pool, text_checked=text_checked)
    n = len(records)
    plan = _Plan([ERROR] * n, [None] * n, {}, [None] * n)
    for i, raw in enumerate(records):
        prepared, errors = check(i, raw)
        if errors:
            plan.errors[i] = errors
            plan.user_ids[i] = _given_id(raw)
        plan.prepared[i] = prepared
    _repeats(plan)
    _group_names(pool, plan, create_groups)
    _against_pool(pool, plan, on_conflict)
    return plan


def _given_id(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.get("id")) if isinstance(raw, dict) else None
    except (TypeError, ValueError, AttributeError):
        return None


def _fail(plan: _Plan, i: int, error: dict) -> None:
    plan.errors.setdefault(i, []).append(error)
    record = plan.prepared[i]
    if record is not None:
        plan.user_ids[i] = record.id
    plan.prepared[i] = None


def _repeats(plan: _Plan) -> None:
    """Duplicates inside the request are errors of the later record."""
    ids: dict[uuid.UUID, int] = {}
    claimed: dict[tuple[str, str], int] = {}
    for i, record in enumerate(plan.prepared):
        if record is None:
            continue
        if record.id is not None and record.id in ids:
            _fail(plan, i, problem("duplicate.id", ("id",), index=ids[record.id]))
            continue
        clash = next(
            (
                (k, claimed[(kind, value)])
                for kind, value, _v, k in record.identifiers
                if (kind, value) in claimed
            ),
            None,
        )
        if clash is not None:
            k, first = clash
            path = ("identifiers", k, "value")
            _fail(plan, i, problem("duplicate.identifier", path, index=first))
            continue
        if record.id is not None:
            ids[record.id] = i
        for kind, value, _v, _k in record.identifiers:
            claimed[(kind, value)] = i


def _group_names(pool, plan: _Plan, create_groups: bool) -> None:
    names = {
        name.lower()
        for record in plan.prepared
        if record is not None
        for name in record.groups
    }
    if not names or create_groups:
        return
    known = _groups_by_name(pool, names)
    for i, record in enumerate(plan.prepared):
        if record is None:
            continue
        for k, name in enumerate(record.groups):
            if name.lower() not in known:
                _fail(plan, i, problem("group_unknown", ("groups", k), name=name))
                break


def _groups_by_name(pool, names) -> dict[str, uuid.UUID]:
    found = {}
    for part in chunks(sorted(names)):
        found.update(
            Group.objects.for_pool(pool)
            .annotate(lname=Lower("name"))
            .filter(lname__in=part)
            .values_list("lname", "pk")
        )
    return found


def _owners(pool, records) -> tuple[dict, dict]:
    """The users of ``records``' identifiers, and the pool of each given id (one
    query per 2,000 values)."""
    values = sorted(
        {v for r in records if r is not None for _k, v, _x, _i in r.identifiers}
    )
    owners: dict[tuple[str, str], uuid.UUID] = {}
    for part in chunks(values):
        for kind, value, user_id in Identifier.objects.filter(
            pool=pool, value__in=part
        ).values_list("type", "value", "user_id"):
            owners[(kind, value)] = user_id
    ids = [r.id for r in records if r is not None and r.id is not None]
    pools: dict[uuid.UUID, uuid.UUID] = {}
    for part in chunks(ids):
        pools.update(PoolUser.objects.filter(pk__in=part).values_list("pk", "pool_id"))
    return owners, pools


def _against_pool(pool, plan: _Plan, on_conflict: str) -> None:
    """Each record that passed its own checks: created, or (its user exists)
    updated, skipped or an error as ``on_conflict`` says."""
    owners, pools = _owners(pool, plan.prepared)
    for i, record in enumerate(plan.prepared):
        if record is not None:
            _decide(pool, plan, i, record, owners, pools, on_conflict)
    # New users without an id of their own: increasing ids, in record order.
    unnamed = [
        i
        for i, outcome in enumerate(plan.outcomes)
        if outcome == CREATED and plan.user_ids[i] is None
    ]
    for i, value in zip(unnamed, new_ids(len(unnamed)), strict=True):
        plan.user_ids[i] = uuid.UUID(value)


def _decide(pool, plan: _Plan, i: int, record, owners, pools, on_conflict) -> None:
    """Record ``i``'s outcome given the users that hold its identifiers
    (``owners``) and the pools of the ids that exist (``pools``)."""
    owned = [
        (k, value, owners[(kind, value)])
        for kind, value, _v, k in record.identifiers
        if (kind, value) in owners
    ]
    target = None
    if record.id is not None and record.id in pools:
        if pools[record.id] != pool.pk:
            _fail(plan, i, problem("id_taken", ("id",)))
            return
        target = record.id  # a retry: this record made that user
    others = [o for o in owned if o[2] != target]
    if target is None and not others:
        plan.outcomes[i] = CREATED
        plan.user_ids[i] = record.id
        return
    if on_conflict == "skip":
        plan.outcomes[i] = SKIPPED
        plan.user_ids[i] = target or others[0][2]
        return
    single = len({o[2] for o in others}) <= 1
    if target is None and single and record.id is None and on_conflict == "update":
        target = others[0][2]
        others = []
    if others:
        k, value, _owner = others[0]
        if single:
            error = problem(
                "identifier_taken.import", ("identifiers", k, "value"), value=value
            )
        else:
            error = problem("identifier_conflict", ("identifiers",))
        _fail(plan, i, error)
        return
    plan.outcomes[i] = UPDATED if on_conflict == "update" else SKIPPED
    plan.user_ids[i] = target


# --- writing -------------------------------------------------------------------------


def _groups_ready(pool, actor, plan, create_groups, report) -> dict[str, uuid.UUID]:
    """Ids of the groups the records to write name, by lowercased name; with
    ``create_groups`` the missing ones are created first (each with its own
    ``group.created`` event)."""
    wanted: dict[str, str] = {}
    for i, record in enumerate(plan.prepared):
        if record is not None and plan.outcomes[i] in (CREATED, UPDATED):
            for name in record.groups:
                wanted.setdefault(name.lower(), name)
    if not wanted:
        return {}
    known = _groups_by_name(pool, wanted)
    if create_groups:
        for lname in sorted(set(wanted) - set(known)):
            try:
                group = group_create(pool=pool, actor=actor, name=wanted[lname])
            except ValidationError:  # a concurrent import made it just now
                known.update(_groups_by_name(pool, [lname]))
                continue
            known[lname] = group.pk
            report.groups_created.append(group.name)
    return known


def _hash_passwords(plan: _Plan) -> None:
    """Plain passwords of the records to write, hashed with our hasher (about
    20 ms each, so on every core)."""
    todo = [
        r
        for i, r in enumerate(plan.prepared)
        if r is not None
        and r.password is not None
        and plan.outcomes[i] in (CREATED, UPDATED)
    ]
    if not todo:
        return
    workers = min(len(todo), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        hashed = list(pool.map(make_password, (r.password for r in todo)))
    for record, encoded in zip(todo, hashed, strict=True):
        record.password_hash, record.password = encoded, None


def _write(pool, plan: _Plan, group_ids: dict, on_conflict: str, *, then) -> None:
    """Write the plan in one transaction that ends with ``then()``."""
    now = timezone.now()
    creates = [
        (r, plan.user_ids[i], r.password_hash)
        for i, r in enumerate(plan.prepared)
        if r is not None and plan.outcomes[i] == CREATED
    ]
    updates = [
        (r, plan.user_ids[i], r.password_hash)
        for i, r in enumerate(plan.prepared)
        if r is not None and plan.outcomes[i] == UPDATED
    ]
    try:
        with transaction.atomic():
            rows = rows_for(pool=pool, records=creates, group_ids=group_ids, now=now)
            insert_rows(rows)
            per_group = rows.per_group
            if updates:
                per_group += apply_updates(
                    pool=pool, updates=updates, group_ids=group_ids, now=now
                )
            counters_add(pool=pool, users=len(rows.users), per_group=per_group)
            _hashes_stored(pool, plan)
            then()
    except IntegrityError:
        # A concurrent writer took an identifier (or an id) after the check:
        # write record by record, and decide again the records that lost.
        _write_one_by_one(pool, plan, group_ids, now, on_conflict, then=then)


def _write_one_by_one(
    pool, plan: _Plan, group_ids: dict, now, on_conflict: str, *, then
) -> None:
    with transaction.atomic():
        added, per_group = 0, Counter()
        for i, record in enumerate(plan.prepared):
            if record is None or plan.outcomes[i] not in (CREATED, UPDATED):
                continue
            try:
                users, groups = _write_record(pool, plan, i, record, group_ids, now)
            except IntegrityError as exc:
                users, groups = _after_lost_race(
                    pool, plan, i, record, group_ids, now, on_conflict, exc
                )
            added += users
            per_group += groups
        counters_add(pool=pool, users=added, per_group=per_group)
        _hashes_stored(pool, plan)
        then()


def _hashes_stored(pool, plan: _Plan) -> None:
    """The pool's dummy hash keeps up with the costliest imported hash written
    (``identity_pools.hash_limits``)."""
    hashes = [
        r.password_hash
        for i, r in enumerate(plan.prepared)
        if r is not None and r.password_hash and plan.outcomes[i] in (CREATED, UPDATED)
    ]
    if hashes:
        limit = password_policy_for(pool).imported_hash_max_cost
        pool_dummy_raise(pool=pool, hashes=hashes, max_cost=limit)


def _write_record(pool, plan: _Plan, i: int, record, group_ids, now):
    """Write record ``i`` as planned, in a savepoint; returns the users it
    added (0 or 1) and its new memberships per group."""
    entry = [(record, plan.user_ids[i], record.password_hash)]
    with transaction.atomic():
        if plan.outcomes[i] == CREATED:
            rows: Rows = rows_for(
                pool=pool, records=entry, group_ids=group_ids, now=now
            )
            insert_rows(rows)
            return 1, rows.per_group
        return 0, apply_updates(pool=pool, updates=entry, group_ids=group_ids, now=now)


def _after_lost_race(pool, plan, i, record, group_ids, now, on_conflict, exc):
    """Record ``i`` lost to a concurrent writer: decided again against what that
    writer committed (seen now: PostgreSQL reports the violation once the
    winner commits, SQLite's writers take turns), as ``_against_pool`` would
    have decided: skipped, an update of the winner's user (written now), or an
    error. Returns what ``_write_record`` does."""
    plan.outcomes[i] = ERROR
    owners, pools = _owners(pool, [record])
    _decide(pool, plan, i, record, owners, pools, on_conflict)
    outcome = plan.outcomes[i]
    if outcome in (SKIPPED, ERROR):
        return 0, Counter()
    if outcome == UPDATED:
        try:
            return _write_record(pool, plan, i, record, group_ids, now)
        except IntegrityError as again:  # lost once more
            exc = again
    # Nothing in the pool explains the refusal, or the update lost again.
    plan.outcomes[i], plan.user_ids[i] = ERROR, record.id
    plan.errors[i] = [_lost(pool, record, exc)]
    return 0, Counter()


def _lost(pool, record: Prepared, exc: IntegrityError) -> dict:
    """The error of a record whose insert a concurrent writer made fail."""
    for kind, value, _v, k in record.identifiers:
        if Identifier.objects.filter(pool=pool, type=kind, value=value).exists():
            path = ("identifiers", k, "value")
            return problem("identifier_taken.import", path, value=value)
    if record.id is not None and PoolUser.objects.filter(pk=record.id).exists():
        return problem("id_taken", ("id",))
    return problem("write_failed", problem=type(exc).__name__)


def _record(pool, actor, plan: _Plan, report: ImportReport, on_conflict) -> None:
    counts = Counter(plan.outcomes)
    audit_record(
        actor=actor,
        action="pool_users.imported",
        workspace=pool.workspace,
        target=pool,
        details={
            "records": len(plan.outcomes),
            "created": counts[CREATED],
            "updated": counts[UPDATED],
            "skipped": counts[SKIPPED],
            "failed": counts[ERROR],
            "on_conflict": on_conflict,
            "groups_created": report.groups_created,
        },
    )
