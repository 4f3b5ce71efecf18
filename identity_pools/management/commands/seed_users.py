"""``manage.py seed_users``: fill a pool with synthetic users, fast (benchmarks, demos).

Rows are written in bulk, bypassing the services: COPY on PostgreSQL, batched
INSERTs (``executemany``) elsewhere, one transaction per batch that also moves the
pool's ``user_count`` and the groups' ``member_count`` by what it inserted. Users get
no password (they are seeded without credentials) and no invitation is sent.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
import unicodedata
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEvent
from identity_pools.ids import uuid7
from identity_pools.models import (
    BUILTIN_USER_DATA_SCHEMA_ID,
    Group,
    GroupMembership,
    Identifier,
    IdentityPool,
    PoolUser,
)
from workspaces.models import Workspace

ACTOR_LABEL = "manage.py seed_users"
SEEDED_ACTION = "pool.users_seeded"
GROUP_NAME = "Seed group {}"
# Users are created over this period before now, oldest first (in id order).
CREATED_OVER = timedelta(days=3 * 365)

# (value, cumulative weight) tables for the status mix and the number of groups a
# user is in.
STATUS_MIX = (
    (PoolUser.Status.ACTIVE.value, 90),
    (PoolUser.Status.NEW.value, 6),
    (PoolUser.Status.INACTIVE.value, 4),
)
GROUPS_PER_USER = ((0, 30), (1, 45), (2, 25))
PHONE_SHARE = 0.10
# Mobile numbers are +44 79xx xxxxxx, derived from the user's serial number, so
# they are unique (and valid for phonenumbers) up to 100 million seeded users.
PHONE_PREFIX = 7900
MAX_SERIAL = 100_000_000


def _names(text: str) -> list[str]:
    """Whitespace-separated names; "_" stands for a space inside a name."""
    return [word.replace("_", " ") for word in text.split()]


# Names in rough order of frequency; the weights below fall off with rank, so a
# name search matches from a few percent of users down to a few in ten thousand.
FIRST_NAMES = _names(
    """
James Mary Mohammed John Patricia Robert Jennifer Michael Linda David Elizabeth
William Barbara Wei Richard Susan Joseph Jessica Thomas Sarah Charles Karen Fatima
Christopher Lisa Daniel Nancy Matthew Maria Anthony Sandra Mark Margaret Ana Donald
Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Lucas
Kevin Amanda Brian Melissa George Deborah Priya Timothy Stephanie Ronald Rebecca
Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela
Nicholas Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole
Scott Helen Brandon Samantha Benjamin Katherine Samuel Christine Gregory Rachel
Alexander Carolyn Patrick Janet Frank Olivia Raymond Heather Jack Diane Dennis Julie
Jerry Joyce Tyler Victoria Aaron Ruth José Virginia Adam Lauren Nathan Kelly Henry
Christina Zachary Joan Douglas Evelyn Peter Judith Kyle Andrea Noah Hannah Ethan
Megan Jeremy Cheryl Walter Jacqueline Christian Martha Keith Madison Roger Teresa
Terry Gloria Austin Sara Sean Janice Gerald Ann Carl Kathryn Harold Abigail Dylan
Sophia Arthur Frances Lawrence Jean Jordan Alice Jesse Judy Bryan Isabella Billy
Julia Bruce Grace Gabriel Amber Joe Denise Logan Danielle Alan Marilyn Juan Beverly
Albert Charlotte Willie Natalie Elijah Theresa Wayne Diana Randy Brittany Vincent
Doris Mason Kayla Roy Alexis Ralph Lori Bobby Marie Russell Ava Bradley Aisha Philip
Yuki Eugene Chloé Omar Léa Hiroshi Sofía Rahul Zoë Mateo Ingrid Björn Renée Kwame
Amara Chen Aiko Dmitri Olga Sven Astrid Giulia Marco Noël Inès Tomás Ngozi Ravi
Leila Hamza Mei Kenji Sakura Anil Deepa Emeka Chiara Pieter Femke Liam Niamh Siobhan
"""
)

LAST_NAMES = _names(
    """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson
White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright
Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins
Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez
Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel
Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman
Butler Henderson Barnes Fisher Vasquez Simmons Romero Jordan Patterson Alexander
Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera
Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison
Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb
Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw
Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose
Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols
Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Spencer Hawkins Arnold Pierce
Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson
Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston
Matthews Peña Richards Willis Carpenter Lawrence Sandoval Müller Schneider Fischer
Weber Becker Dubois Lefèvre Moreau Rossi Russo Ferrari Esposito Bianchi Novak Nowak
Kowalski Wiśniewski Jansen de_Vries van_Dijk O'Brien O'Connor Smith-Jones Yamamoto
Tanaka Suzuki Satō Wang Li Zhang Liu Singh Kumar Sharma Khan Ali Hussain Ahmed
Okafor Mensah Andersson Johansson Nielsen Larsen Papadopoulos Horvat Kovačević
Fitzgerald MacLeod Gallagher Quinn Doyle Byrne Ó_Súilleabháin Nakamura Watanabe
"""
)


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def _by_rank(count: int, offset: int) -> list[float]:
    """Cumulative weights 1/(rank + offset), falling off with rank like real name
    frequencies (offset 10) or more steeply, for a few big groups (offset 1)."""
    return _cumulative(1 / (rank + offset) for rank in range(count))


def _slug(name: str) -> str:
    """The local part of an email for a name: "Ó Súilleabháin" → "osuilleabhain"."""
    text = unicodedata.normalize("NFKD", name).lower()
    return re.sub(r"[^a-z]", "", text)


FIRST_CUM = _by_rank(len(FIRST_NAMES), 10)
LAST_CUM = _by_rank(len(LAST_NAMES), 10)
FIRST_SLUGS = [_slug(n) for n in FIRST_NAMES]
LAST_SLUGS = [_slug(n) for n in LAST_NAMES]


class _Ids:
    """uuid7 values, strictly increasing across calls, so rows arrive in primary-key
    order (appended to the indexes; listed newest first by id).

    Each batch starts from a fresh ``uuid7()`` and counts up from it by random steps
    in the random bits (RFC 9562, 6.2 method 2, as for ids made in bulk within one
    millisecond); the top bit of rand_b is cleared so the steps never carry into
    the variant bits. Values are 32-digit hex strings, which PostgreSQL and
    UUIDField both take, because building a million UUID objects is slow.
    """

    TOP_RAND_B = 1 << 61

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last = 0

    def take(self, n: int) -> list[str]:
        value = max(uuid7().int & ~self.TOP_RAND_B, self.last + 1)
        step = self.rng.getrandbits
        out = []
        for _ in range(n):
            out.append(f"{value:032x}")
            value += step(20) + 1
        self.last = value
        return out


class _Table:
    """Column order for bulk writes of ``model``: the ``given`` attributes first,
    then every other concrete field with its default, so the writes keep working
    when a field with a default is added to the model."""

    def __init__(self, model: type[models.Model], given: list[str]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [name for name in given if name not in fields]
        if missing:
            raise CommandError(f"{model.__name__} has no field {missing}.")
        self.model = model
        self.fields = [fields[name] for name in given]
        self.fields += [f for f in fields.values() if f.attname not in given]
        self.defaults = tuple(f.get_default() for f in self.fields[len(given) :])
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        table = qn(self.model._meta.db_table)
        columns = ", ".join(qn(f.column) for f in self.fields)
        if connection.vendor == "postgresql":
            self._copy(f"COPY {table} ({columns}) FROM STDIN", rows)
        else:
            self._insert_many(table, columns, rows)

    def _copy(self, sql: str, rows: list[tuple]) -> None:
        json_positions = self.json_positions
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                row = row + self.defaults
                if json_positions:
                    row = list(row)
                    for i in json_positions:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)

    def _insert_many(self, table: str, columns: str, rows: list[tuple]) -> None:
        """Portable fallback (SQLite): one ``executemany`` INSERT. Not bulk_create,
        whose ``auto_now_add`` would overwrite the spread-out ``created_at``."""
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Table and columns come from the model and are quoted; values are parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        params = [
            [
                f.get_db_prep_save(v, connection)
                for f, v in zip(self.fields, row + self.defaults, strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


USERS = _Table(
    PoolUser,
    [
        "id",
        "pool_id",
        "status",
        "user_data",
        "display_name",
        "last_sign_in_at",
        "created_at",
        "updated_at",
    ],
)
IDENTIFIERS = _Table(
    Identifier,
    [
        "id",
        "pool_id",
        "user_id",
        "type",
        "value",
        "is_verified",
        "verified_at",
        "created_at",
        "updated_at",
    ],
)
MEMBERSHIPS = _Table(GroupMembership, ["id", "group_id", "user_id", "created_at"])


@dataclass
class _Batch:
    users: list[tuple]
    identifiers: list[tuple]
    memberships: list[tuple]
    per_group: Counter
    phones: int


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
        user_ids, identifier_ids, membership_ids = _Ids(rng), _Ids(rng), _Ids(rng)
        group_cum = _by_rank(len(group_ids), 1) if group_ids else []

        def generate(done: int) -> _Batch:
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
        with transaction.atomic():
            workspace = Workspace.objects.filter(slug=slug).first()
            if workspace is None:
                workspace = Workspace(name=slug, slug=slug)
                self._save(workspace)
                audit_record(
                    actor=None,
                    actor_label=ACTOR_LABEL,
                    action="workspace.created",
                    workspace=workspace,
                    target=workspace,
                    details={"name": workspace.name, "slug": slug},
                )
                self._say(f"Created workspace {slug!r}.")
            pool = IdentityPool.objects.filter(
                workspace=workspace, name__iexact=name
            ).first()
            if pool is None:
                pool = IdentityPool(workspace=workspace, name=name)
                self._save(pool)
                audit_record(
                    actor=None,
                    actor_label=ACTOR_LABEL,
                    action="pool.created",
                    workspace=workspace,
                    target=pool,
                    details={"name": name},
                )
                self._say(f"Created pool {name!r} ({pool.pk}) in {slug!r}.")
        return pool

    def _save(self, obj: models.Model) -> None:
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise CommandError(
                f"--pool: {obj._meta.verbose_name}: "
                + "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        obj.save()

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
                group = Group(pool=pool, name=name)
                group.full_clean(validate_constraints=False)
                group.save()
                audit_record(
                    actor=None,
                    actor_label=ACTOR_LABEL,
                    action="group.created",
                    workspace=pool.workspace,
                    target=group,
                    details={"pool": str(pool.pk), "name": name},
                )
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
        ids: tuple[_Ids, _Ids, _Ids],
    ) -> _Batch:
        """Rows for ``n`` users, the ``first_index``-th to the last of ``count``
        in this run; created_at grows with the index over CREATED_OVER."""
        user_ids = ids[0].take(n)
        firsts = rng.choices(range(len(FIRST_NAMES)), cum_weights=FIRST_CUM, k=n)
        lasts = rng.choices(range(len(LAST_NAMES)), cum_weights=LAST_CUM, k=n)
        statuses = rng.choices(
            [s for s, _ in STATUS_MIX],
            cum_weights=_cumulative(w for _, w in STATUS_MIX),
            k=n,
        )
        in_groups = rng.choices(
            [k for k, _ in GROUPS_PER_USER],
            cum_weights=_cumulative(w for _, w in GROUPS_PER_USER),
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
        return _Batch(
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

    def _write(self, pool: IdentityPool, data: _Batch) -> None:
        """One transaction: the rows and the counters that count them."""
        try:
            with transaction.atomic():
                USERS.insert(data.users)
                IDENTIFIERS.insert(data.identifiers)
                MEMBERSHIPS.insert(data.memberships)
                IdentityPool.objects.filter(pk=pool.pk).update(
                    user_count=F("user_count") + len(data.users)
                )
                for group_id in sorted(data.per_group):
                    Group.objects.filter(pk=group_id).update(
                        member_count=F("member_count") + data.per_group[group_id]
                    )
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
            locked = list(
                Group.objects.filter(pk__in=group_ids)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)
            )
            counts = dict(
                GroupMembership.objects.filter(group_id__in=locked)
                .values("group_id")
                .annotate(n=Count("*"))
                .values_list("group_id", "n")
            )
            for group_id in locked:
                Group.objects.filter(pk=group_id).update(
                    member_count=counts.get(group_id, 0)
                )
            audit_record(
                actor=None,
                actor_label=ACTOR_LABEL,
                action=SEEDED_ACTION,
                workspace=pool.workspace,
                target=pool,
                details=details,
            )
        if connection.vendor == "postgresql":
            tables = ", ".join(
                connection.ops.quote_name(m._meta.db_table)
                for m in (IdentityPool, PoolUser, Identifier, Group, GroupMembership)
            )
            self._say("Analysing the tables...")
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")

    def _say(self, text: str, style=None) -> None:
        if self.verbosity >= 1:
            self.stdout.write(style(text) if style else text)
