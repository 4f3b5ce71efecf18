"""The set-based writes of an import: new users with their identifiers, password
credentials and group memberships in a few statements (COPY on PostgreSQL,
``executemany`` INSERTs elsewhere, through ``core.fastpath.copy``'s column-ordered
tables; the identifier and membership tables are shared with the demo seeder),
and the changes an ``on_conflict: "update"`` makes. Called inside the import's
transaction; they check nothing (``imports`` has), and count nothing
(``imports`` moves the counters: ``identity_pools.counters``)."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from core.fastpath.copy import CopyTable

from ..credentials import PasswordCredential, PasswordHistory
from ..ids import IdStream
from ..models import GroupMembership, Identifier, IdentityPool, PoolUser
from .records import Prepared

USERS = CopyTable(
    PoolUser,
    [
        "id",
        "pool_id",
        "status",
        "user_data",
        "metadata",
        "display_name",
        "created_at",
        "updated_at",
    ],
)
IDENTIFIERS = CopyTable(
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
MEMBERSHIPS = CopyTable(GroupMembership, ["id", "group_id", "user_id", "created_at"])
CREDENTIALS = CopyTable(
    PasswordCredential, ["user_id", "password", "state", "changed_at"]
)
IN_CHUNK = 2000  # values in one IN (...) list


def new_ids(n: int) -> list[str]:
    """``n`` uuid7 values (hex), increasing in the order given: users and their
    identifiers are listed, and exported, in the order of the records."""
    return IdStream(random.Random()).take(n) if n else []


def chunks(items: list, size: int = IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _state(must_change: bool) -> str:
    return (
        PasswordCredential.State.MUST_CHANGE
        if must_change
        else PasswordCredential.State.VALID
    )


@dataclass
class Rows:
    """The rows of some new users, ready for the tables."""

    users: list[tuple] = field(default_factory=list)
    identifiers: list[tuple] = field(default_factory=list)
    credentials: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    per_group: Counter = field(default_factory=Counter)


def rows_for(
    *,
    pool: IdentityPool,
    records: list[tuple[Prepared, uuid.UUID, str | None]],
    group_ids: dict[str, uuid.UUID],
    now: datetime,
) -> Rows:
    """Rows for ``records``: (record, its new user id, its encoded password or
    None). ``group_ids`` maps lowercased group names to ids."""
    rows = Rows()
    pool_id = pool.pk
    for record, user_id, encoded in records:
        created = record.created_at or now
        rows.users.append(
            (
                user_id,
                pool_id,
                record.status,
                record.user_data,
                record.metadata,
                record.display_name,
                created,
                now,
            )
        )
        for kind, value, verified, _i in record.identifiers:
            rows.identifiers.append(
                (
                    pool_id,
                    user_id,
                    kind,
                    value,
                    verified,
                    now if verified else None,
                    now,
                    now,
                )
            )
        if encoded is not None:
            rows.credentials.append((user_id, encoded, _state(record.must_change), now))
        for group_id in {group_ids[name.lower()] for name in record.groups}:
            rows.memberships.append((group_id, user_id, now))
            rows.per_group[group_id] += 1
    # Ids in record order (lists and exports follow it); rows in key order, so
    # that two imports racing for the same identifiers or ids take the index
    # entries in the same order: one waits for the other instead of deadlocking.
    rows.users.sort(key=lambda row: row[0])
    rows.identifiers = sorted(
        _with_ids(rows.identifiers), key=lambda row: (row[3], row[4])
    )
    rows.memberships = _with_ids(rows.memberships)
    return rows


def _with_ids(rows: list[tuple]) -> list[tuple]:
    return [(pk, *row) for pk, row in zip(new_ids(len(rows)), rows, strict=True)]


def insert_rows(rows: Rows) -> None:
    """Insert the rows (users first: the others reference them). A constraint
    that fails raises Django's IntegrityError (COPY runs on psycopg's own
    cursor, whose errors Django does not translate by itself)."""
    with connection.wrap_database_errors:
        USERS.insert(rows.users)
        IDENTIFIERS.insert(rows.identifiers)
        CREDENTIALS.insert(rows.credentials)
        MEMBERSHIPS.insert(rows.memberships)


def apply_updates(
    *,
    pool: IdentityPool,
    updates: list[tuple[Prepared, uuid.UUID, str | None]],
    group_ids: dict[str, uuid.UUID],
    now: datetime,
) -> Counter:
    """Make existing users match their records (``on_conflict: "update"``): the
    status, user data and metadata the record gives; its identifiers the user
    lacks are added and those it marks verified become verified (none is removed
    or unverified); its password replaces the current one (kept in the history);
    it is added to its groups (never removed from others); ``created_at`` is
    kept, and ``must_change_password`` counts only with a password. Returns the
    new memberships per group id."""
    _update_users(updates, now)
    user_ids = [user_id for _r, user_id, _e in updates]
    _update_identifiers(pool, updates, user_ids, now)
    _update_passwords(updates, user_ids, now)
    wanted = {
        (group_ids[name.lower()], user_id)
        for record, user_id, _e in updates
        for name in record.groups
    }
    existing: set[tuple] = set()
    for part in chunks(user_ids):
        existing |= set(
            GroupMembership.objects.filter(user_id__in=part).values_list(
                "group_id", "user_id"
            )
        )
    added = sorted(wanted - existing)
    with connection.wrap_database_errors:
        MEMBERSHIPS.insert(_with_ids([(g, u, now) for g, u in added]))
    return Counter(g for g, _u in added)


def _update_users(updates, now: datetime) -> None:
    by_fields: dict[tuple, list[PoolUser]] = defaultdict(list)
    for record, user_id, _e in updates:
        fields = []
        user = PoolUser(pk=user_id, updated_at=now)
        if "status" in record.given:
            user.status = record.status
            fields.append("status")
        if "user_data" in record.given:
            user.user_data = record.user_data
            user.display_name = record.display_name
            fields += ["user_data", "display_name"]
        if "metadata" in record.given:
            user.metadata = record.metadata
            fields.append("metadata")
        if fields:
            by_fields[(*fields, "updated_at")].append(user)
    for fields, users in by_fields.items():
        PoolUser.objects.bulk_update(users, list(fields), batch_size=500)


def _update_identifiers(pool, updates, user_ids, now: datetime) -> None:
    current: dict[uuid.UUID, dict[tuple, tuple]] = defaultdict(dict)
    for part in chunks(user_ids):
        for pk, user_id, kind, value, verified in Identifier.objects.filter(
            user_id__in=part
        ).values_list("pk", "user_id", "type", "value", "is_verified"):
            current[user_id][(kind, value)] = (pk, verified)
    new_rows, to_verify = [], []
    for record, user_id, _e in updates:
        have = current[user_id]
        for kind, value, verified, _i in record.identifiers:
            found = have.get((kind, value))
            if found is None:
                new_rows.append(
                    (
                        pool.pk,
                        user_id,
                        kind,
                        value,
                        verified,
                        now if verified else None,
                        now,
                        now,
                    )
                )
            elif verified and not found[1]:
                to_verify.append(found[0])
    with connection.wrap_database_errors:
        IDENTIFIERS.insert(_with_ids(new_rows))
    for part in chunks(to_verify):
        Identifier.objects.filter(pk__in=part).update(
            is_verified=True, verified_at=now, updated_at=now
        )


def _update_passwords(updates, user_ids, now: datetime) -> None:
    changing = {
        user_id: (encoded, record.must_change)
        for record, user_id, encoded in updates
        if encoded is not None
    }
    if not changing:
        return
    ids = list(changing)
    history = []
    for part in chunks(ids):
        history += [
            PasswordHistory(user_id=user_id, password=old)
            for user_id, old in PasswordCredential.objects.filter(
                user_id__in=part
            ).values_list("user_id", "password")
        ]
        PasswordCredential.objects.filter(user_id__in=part).delete()
    PasswordHistory.objects.bulk_create(history, batch_size=1000)
    with connection.wrap_database_errors:
        CREDENTIALS.insert(
            [
                (user_id, encoded, _state(must_change), now)
                for user_id, (encoded, must_change) in changing.items()
            ]
        )
