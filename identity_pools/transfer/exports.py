"""Export of a pool's users in the import record shape (the API's
``GET …/users/export`` and ``manage.py export_users``), streamed.

The users are read in id order in chunks (keyset on the (pool, id) index: each
chunk is a handful of indexed queries, whatever the pool's size), so memory stays
constant at millions of users. A record::

    {"id": "…", "identifiers": [{"type": "email", "value": "…", "verified": true}],
     "status": "active", "user_data": {…}, "metadata": {…}, "groups": ["Staff"],
     "created_at": "2024-05-01T09:30:00+00:00",
     "password_hash": "argon2id$argon2id$v=19$…", "must_change_password": false}

``id`` is included, so importing the file into another installation keeps the
users' ids (and so the ``sub`` applications know them by); importing it into
another pool of the same installation needs the ids left out (they are taken).
``password_hash`` and ``must_change_password`` only with
``include_password_hashes`` (users without a password have neither). Not
exported: last sign-in, verification times, authenticator apps, passkeys,
recovery codes, password history. A password that must be reset exports as
``must_change_password: true``, the nearest the import shape has.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator

from core.audit import audit_record

from ..credentials import PasswordCredential
from ..models import GroupMembership, Identifier, IdentityPool, PoolUser

CHUNK = 2000


def pool_users_export_record(*, pool: IdentityPool, actor, include_password_hashes):
    """Record that ``actor`` exported ``pool`` (one audit event, before the
    first byte is sent)."""
    audit_record(
        actor=actor,
        action="pool_users.exported",
        workspace=pool.workspace,
        target=pool,
        details={"include_password_hashes": bool(include_password_hashes)},
    )


def pool_users_export(
    *, pool: IdentityPool, include_password_hashes: bool = False, chunk: int = CHUNK
) -> Iterator[dict]:
    """Every user of ``pool`` as an import record, in id order (uuid7 ids: the
    order they were created in)."""
    after: uuid.UUID | None = None
    while True:
        users = PoolUser.objects.filter(pool=pool)
        if after is not None:
            users = users.filter(pk__gt=after)
        rows = list(
            users.order_by("pk").values_list(
                "pk", "status", "user_data", "metadata", "created_at"
            )[:chunk]
        )
        if not rows:
            return
        yield from _records(rows, include_password_hashes)
        after = rows[-1][0]
        if len(rows) < chunk:
            return


def _records(rows: list[tuple], include_password_hashes: bool) -> Iterator[dict]:
    ids = [row[0] for row in rows]
    identifiers = defaultdict(list)
    for user_id, kind, value, verified in (
        Identifier.objects.filter(user_id__in=ids)
        .order_by("user_id", "pk")
        .values_list("user_id", "type", "value", "is_verified")
    ):
        identifiers[user_id].append(
            {"type": kind, "value": value, "verified": verified}
        )
    groups = defaultdict(list)
    for user_id, name in (
        GroupMembership.objects.filter(user_id__in=ids)
        .order_by("user_id", "group__name")
        .values_list("user_id", "group__name")
    ):
        groups[user_id].append(name)
    credentials = {}
    if include_password_hashes:
        credentials = {
            user_id: (password, state)
            for user_id, password, state in PasswordCredential.objects.filter(
                user_id__in=ids
            ).values_list("user_id", "password", "state")
        }
    for user_id, status, user_data, metadata, created_at in rows:
        record = {
            "id": str(user_id),
            "identifiers": identifiers.get(user_id, []),
            "status": status,
            "user_data": user_data,
            "metadata": metadata,
            "groups": groups.get(user_id, []),
            "created_at": created_at.isoformat(),
        }
        credential = credentials.get(user_id)
        if credential is not None:
            record["password_hash"] = credential[0]
            record["must_change_password"] = (
                credential[1] != PasswordCredential.State.VALID
            )
        yield record


def ndjson_lines(records: Iterator[dict], *, per_chunk: int = 500) -> Iterator[bytes]:
    """NDJSON bytes, a few hundred records at a time (fewer, larger writes)."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    batch: list[str] = []
    for record in records:
        batch.append(dumps(record))
        if len(batch) >= per_chunk:
            yield ("\n".join(batch) + "\n").encode()
            batch = []
    if batch:
        yield ("\n".join(batch) + "\n").encode()
