"""``manage.py seed_users``: fill a pool with synthetic users, fast (benchmarks, demos).

Rows are written in bulk, bypassing the services: COPY on PostgreSQL, batched
INSERTs (``executemany``) elsewhere, one transaction per batch that also moves the
pool's ``user_count`` and the groups' ``member_count`` by what it inserted. Users get
no password (they are seeded without credentials) and no invitation is sent.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.audit import SystemActor, audit_record
from core.fastpath.sql import analyze
from core.models import AuditEvent
from identity_pools.models import (
    BUILTIN_USER_DATA_SCHEMA_ID,
    Group,
    GroupMembership,
    Identifier,
    IdentityPool,
    PoolUser,
)
from workspaces.models import Workspace
from workspaces.services import workspace_create

from ...counters import counters_add, group_members_recounted
from ...ids import IdStream
from ...seeding import (
    CREATED_OVER,
    FIRST_CUM,
    FIRST_NAMES,
    FIRST_SLUGS,
    GROUPS_PER_USER,
    LAST_CUM,
    LAST_NAMES,
    LAST_SLUGS,
    MAX_SERIAL,
    PHONE_PREFIX,
    PHONE_SHARE,
    STATUS_MIX,
    USERS,
    Batch,
    by_rank,
    cumulative,
)
from ...services.groups import group_create
from ...services.pools import pool_create
from ...transfer.writes import IDENTIFIERS, MEMBERSHIPS

ACTOR_LABEL = "manage.py seed_users"
ACTOR = SystemActor(ACTOR_LABEL)
SEEDED_ACTION = "pool.users_seeded"
GROUP_NAME = "Seed group {}"


class Command(BaseCommand):
    help = (
        "Add N synthetic users (no passwords) to a pool, spread over groups "
        "'Seed group 1'..'Seed group G'. POOL is a pool id, or WORKSPACE_SLUG/POOL_NAME "
        "(both created when missing). Users are added to those already there."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--pool",
            required=True,
            help="A pool id (UUID), or WORKSPACE_SLUG/POOL_NAME, e.g. acme/Customers.",
        )
        parser.add_argument(
            "--count", required=True, type=int, help="How many users to add."
        )
        parser.add_argument(
            "--groups",
            type=int,
            default=20,
            help="Groups to spread users over (0 to 2 each, skewed sizes). Default 20.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=10_000,
            help="Users per transaction. Default 10000.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed; emails end in @seedS.example. Default 1.",
        )

    def handle(self, *, pool, count, groups, batch, seed, **options) -> None:
        if count <= 0:
            raise CommandError(
                f"--count must be a positive number of users, not {count}."
            )
        if groups < 0:
            raise CommandError(f"--groups must be 0 or more, not {groups}.")
        if batch <= 0:
            raise CommandError(f"--batch must be a positive number, not {batch}.")
        if seed < 0:
            raise CommandError(f"--seed must be 0 or more, not {seed}.")
        self.verbosity = options.get("verbosity", 1)
        target = self._pool(pool)
        first_serial = self._first_serial(target)
        if first_serial + count > MAX_SERIAL:
            raise CommandError(
                f"At most {MAX_SERIAL - 1:,} users can be seeded into one pool."
            )
        group_ids = self._groups(target, groups)
        if target.user_schema_id != BUILTIN_USER_DATA_SCHEMA_ID:
            self.stderr.write(
                self.style.WARNING(
                    "The pool does not use the default user data schema; seeded users "
                    "only have given_name, family_name and name."
                )
            )
        self._say(
            f"Seeding {count:,} users into pool {target.name!r} ({target.pk}), "
            f"{len(group_ids)} groups, batches of {batch:,}, on {connection.vendor}."
        )

        rng = random.Random(f"{seed}:{target.pk}:{first_serial}")
        now = timezone.now()
        user_ids, identifier_ids, membership_ids = (
            IdStream(rng),
            IdStream(rng),
            IdStream(rng),
        )
        group_cum = by_rank(len(group_ids), 1) if group_ids else []

        def generate(done: int) -> Batch:
            return self._generate(
                rng=rng,
                n=min(batch, count - done),
                first_index=done,
                count=count,
                serial=first_serial + done,
                domain=f"seed{seed}.example",
                now=now,
                pool_id=target.pk,
                group_ids=group_ids,
                group_cum=group_cum,
                ids=(user_ids, identifier_ids, membership_ids),
            )

        started = last_report = time.perf_counter()
        done = memberships = phones = 0
        # One thread builds the next batch while this one writes the current one
        # (the database works on the other core); only this thread touches the
        # database, and batches are built in order, so --seed gives the same rows.
        with ThreadPoolExecutor(max_workers=1) as builder:
            upcoming = builder.submit(generate, 0)
            while upcoming is not None:
                data = upcoming.result()
                after = done + len(data.users)
                upcoming = builder.submit(generate, after) if after < count else None
                self._write(target, data)
                done = after
                memberships += len(data.memberships)
                phones += data.phones
                elapsed = time.perf_counter() - started
                if done == count or time.perf_counter() - last_report >= 5:
                    last_report = time.perf_counter()
                    self._say(
                        f"  {done:>11,} / {count:,} users  "
                        f"({done / elapsed:,.0f} users/s)"
                    )

        self._finish(
            target,
            group_ids,
            details={
                "count": count,
                "first_serial": first_serial,
                "next_serial": first_serial + count,
                "groups": len(group_ids),
                "memberships": memberships,
                "phones": phones,
                "seed": seed,
            },
        )
        elapsed = time.perf_counter() - started
        target.refresh_from_db(fields=["user_count"])
        self._say(
            f"Seeded {count:,} users ({phones:,} with a mobile number, "
            f"{memberships:,} group memberships) in {elapsed:.1f} s: "
            f"{count / elapsed:,.0f} users/s. The pool has {target.user_count:,} users.",
            style=self.style.SUCCESS,
        )

    # --- the pool and its groups ----------------------------------------------------

    def _pool(self, spec: str) -> IdentityPool:
        spec = spec.strip()
        if "/" in spec:
            slug, _, name = spec.partition("/")
            return self._pool_by_name(slug.strip(), name.strip())
        try:
            pool_id = uuid.UUID(spec)
        except ValueError as exc:
            raise CommandError(
                f"--pool {spec!r} is neither a pool id (UUID) nor "
                "WORKSPACE_SLUG/POOL_NAME (e.g. acme/Customers)."
            ) from exc
        pool = IdentityPool.objects.filter(pk=pool_id).first()
        if pool is None:
            raise CommandError(
                f"No pool with id {pool_id}. Give an existing pool's id, or "
                "WORKSPACE_SLUG/POOL_NAME to create one."
            )
        return pool

    def _pool_by_name(self, slug: str, name: str) -> IdentityPool:
        if not slug or not name:
            raise CommandError(
                "--pool WORKSPACE_SLUG/POOL_NAME needs both parts, e.g. acme/Customers."
            )
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(
                f"--pool: {slug!r} is not a valid workspace slug: use lowercase "
                "letters, digits, hyphens and underscores only, e.g. acme-retail."
            ) from exc
        if slug != slug.lower():
            raise CommandError(
                f"--pool: slug {slug!r} has capitals; use {slug.lower()!r}."
            )
        try:
            with transaction.atomic():
                workspace = Workspace.objects.filter(slug=slug).first()
                if workspace is None:
                    workspace = workspace_create(actor=ACTOR, name=slug, slug=slug)
                    self._say(f"Created workspace {slug!r}.")
                pool = IdentityPool.objects.filter(
                    workspace=workspace, name__iexact=name
                ).first()
                if pool is None:
                    pool = pool_create(workspace=workspace, actor=ACTOR, name=name)
                    self._say(f"Created pool {name!r} ({pool.pk}) in {slug!r}.")
        except ValidationError as exc:
            raise CommandError(f"--pool: {' '.join(exc.messages)}") from exc
        return pool

    def _groups(self, pool: IdentityPool, count: int) -> list[uuid.UUID]:
        """Ids of "Seed group 1".."Seed group <count>" of the pool, creating the
        missing ones. Groups with other names are left alone."""
        if count == 0:
            return []
        names = [GROUP_NAME.format(i) for i in range(1, count + 1)]
        existing = {
            g.name.lower(): g.pk
            for g in Group.objects.for_pool(pool).filter(
                name__istartswith=GROUP_NAME.format("")
            )
        }
        ids = []
        with transaction.atomic():
            for name in names:
                if name.lower() in existing:
                    ids.append(existing[name.lower()])
                    continue
                group = group_create(pool=pool, actor=ACTOR, name=name)
                ids.append(group.pk)
        return ids

    def _first_serial(self, pool: IdentityPool) -> int:
        """Serial number of the first user of this run: after every earlier run's
        (recorded in its audit event) and after the pool's user count, so emails
        and mobile numbers do not collide with earlier seeded users."""
        earlier = (
            AuditEvent.objects.filter(
                action=SEEDED_ACTION,
                target_type=IdentityPool._meta.label_lower,
                target_id=str(pool.pk),
            )
            .order_by("-id")
            .values_list("details", flat=True)
            .first()
        ) or {}
        return max(int(earlier.get("next_serial", 0)), pool.user_count + 1, 1)

    # --- generating and writing rows ------------------------------------------------

    def _generate(
        self,
        *,
        rng: random.Random,
        n: int,
        first_index: int,
        count: int,
        serial: int,
        domain: str,
        now: datetime,
        pool_id: uuid.UUID,
        group_ids: list[uuid.UUID],
        group_cum: list[float],
        ids: tuple[IdStream, IdStream, IdStream],
    ) -> Batch:
        """Rows for ``n`` users, the ``first_index``-th to the last of ``count``
        in this run; created_at grows with the index over CREATED_OVER."""
        user_ids = ids[0].take(n)
        firsts = rng.choices(range(len(FIRST_NAMES)), cum_weights=FIRST_CUM, k=n)
        lasts = rng.choices(range(len(LAST_NAMES)), cum_weights=LAST_CUM, k=n)
        statuses = rng.choices(
            [s for s, _ in STATUS_MIX],
            cum_weights=cumulative(w for _, w in STATUS_MIX),
            k=n,
        )
        in_groups = rng.choices(
            [k for k, _ in GROUPS_PER_USER],
            cum_weights=cumulative(w for _, w in GROUPS_PER_USER),
            k=n,
        )
        picks = (
            rng.choices(range(len(group_ids)), cum_weights=group_cum, k=2 * n)
            if group_ids
            else []
        )
        start = now - CREATED_OVER
        step = CREATED_OVER.total_seconds() / count
        active, new = PoolUser.Status.ACTIVE, PoolUser.Status.NEW
        users, identifiers, members = [], [], []
        per_group: Counter = Counter()
        random_ = rng.random
        for j in range(n):
            uid = user_ids[j]
            first, last, status = firsts[j], lasts[j], statuses[j]
            s = serial + j
            created = start + timedelta(seconds=step * (first_index + j + random_()))
            given, family = FIRST_NAMES[first], LAST_NAMES[last]
            name = f"{given} {family}"
            signed_in = (
                created + (now - created) * random_() if status == active else None
            )
            users.append(
                (
                    uid,
                    pool_id,
                    status,
                    {"given_name": given, "family_name": family, "name": name},
                    name,
                    signed_in,
                    created,
                    created,
                )
            )
            verified = status != new
            tail = (verified, created if verified else None, created, created)
            email = f"{FIRST_SLUGS[first]}.{LAST_SLUGS[last]}{s}@{domain}"
            # Identifier and membership rows get their ids after the loop.
            identifiers.append((pool_id, uid, "email", email, *tail))
            if random_() < PHONE_SHARE:
                phone = f"+44{PHONE_PREFIX + s // 1_000_000}{s % 1_000_000:06d}"
                identifiers.append((pool_id, uid, "phone", phone, *tail))
            k = in_groups[j] if len(group_ids) > 1 else min(in_groups[j], 1)
            if k and group_ids:
                a, b = picks[2 * j], picks[2 * j + 1]
                while k == 2 and b == a:
                    b = rng.choices(range(len(group_ids)), cum_weights=group_cum)[0]
                for g in (a, b)[:k]:
                    per_group[g] += 1
                    members.append((group_ids[g], uid, created))
        return Batch(
            users=users,
            identifiers=[
                (pk, *row)
                for pk, row in zip(
                    ids[1].take(len(identifiers)), identifiers, strict=True
                )
            ],
            memberships=[
                (pk, *row)
                for pk, row in zip(ids[2].take(len(members)), members, strict=True)
            ],
            per_group=Counter({group_ids[g]: c for g, c in per_group.items()}),
            phones=len(identifiers) - n,
        )

    def _write(self, pool: IdentityPool, data: Batch) -> None:
        """One transaction: the rows and the counters that count them."""
        try:
            with transaction.atomic():
                USERS.insert(data.users)
                IDENTIFIERS.insert(data.identifiers)
                MEMBERSHIPS.insert(data.memberships)
                counters_add(pool=pool, users=len(data.users), per_group=data.per_group)
        except IntegrityError as exc:
            raise CommandError(
                "Could not insert a batch: an email or mobile number is already in "
                f"the pool ({exc}). Run again with another --seed."
            ) from exc

    def _finish(
        self, pool: IdentityPool, group_ids: list[uuid.UUID], *, details: dict
    ) -> None:
        """Set each seed group's member_count to its true count, record the run,
        and refresh the planner's statistics."""
        with transaction.atomic():
            group_members_recounted(group_ids=group_ids)
            audit_record(
                actor=ACTOR,
                action=SEEDED_ACTION,
                workspace=pool.workspace,
                target=pool,
                details=details,
            )
        if connection.vendor == "postgresql":
            self._say("Analysing the tables...")
            analyze(IdentityPool, PoolUser, Identifier, Group, GroupMembership)

    def _say(self, text: str, style=None) -> None:
        if self.verbosity >= 1:
            self.stdout.write(style(text) if style else text)
