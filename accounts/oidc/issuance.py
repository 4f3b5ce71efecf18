"""What a token request reads and writes, in as few statements as is safe.

A code exchange or a refresh reads the code (or refresh token) once, with its
user, whether the user's pool still serves the application and the user's
identifiers (for the ``email`` and ``phone`` claims); it writes once, at the
end: the single-use claim (``used_at`` / ``rotated_at``, conditional on it
being empty), the new token row and its audit event, in one statement on
PostgreSQL (data-modifying CTEs: all or nothing, and nothing is inserted when
another request claimed first). Other databases get the same writes in one
transaction.

A request that fails after the code (or refresh token) was read still uses it
up (``Claim.burn``), as when the claim came first: a code is tried once.

Before that, the client is read with the address's failure count (one
statement instead of two). The three reads are built and compiled by the ORM
once per process (``Prepared``): building and compiling them took more CPU
than anything else in a token request.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection, models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from core.models import RateLimitBucket
from core.ratelimit import Limit, bucket_key
from core.writes import Writes
from identity_pools.models import Identifier
from workspaces.models import Application, ApplicationConnection

from ..flows.rows import instance_from_row
from .models import AuthorizationCode, OAuthToken


@dataclass
class Claim:
    """The single use of a code (``used_at``) or a rotated refresh token
    (``rotated_at``): set once, only while empty."""

    model: type[models.Model]
    pk: int
    field: str
    family: object
    reason: str  # the audit reason when it was taken already: a reuse
    error: str | None = None  # the invalid_grant description then

    def queryset(self):
        return self.model._default_manager.filter(pk=self.pk, **{self.field: None})

    def burn(self) -> bool:
        """Take the claim on its own (a failed request); False if taken."""
        return bool(self.queryset().update(**{self.field: timezone.now()}))


class Prepared:
    """A read of the token endpoint built and compiled by the ORM once per
    process and shape (its values change, its SQL does not), then run with
    each request's values and turned into model instances as ``first()``
    would: the ORM's query building is most of a request's CPU otherwise.
    PostgreSQL only; elsewhere ``build(**values).first()`` runs each time.

    ``build(**values)`` makes the queryset: filters on ``values`` (str, int,
    UUID or datetime: each becomes a parameter), ``select_related`` joins
    and annotations.
    """

    SAMPLES = {
        str: lambda: "prepared-" + uuid.uuid4().hex,
        int: lambda: 2**62 + secrets.randbelow(2**40),
        uuid.UUID: uuid.uuid4,
        datetime: lambda: (
            datetime(2001, 2, 3, tzinfo=UTC)
            + timedelta(microseconds=secrets.randbelow(10**12))
        ),
    }

    def __init__(self, build):
        self.build = build
        self.compiled: dict = {}

    def _compile(self, values: dict):
        samples = {name: self.SAMPLES[type(v)]() for name, v in values.items()}
        queryset = self.build(**samples)
        model, related = queryset.model, queryset.query.select_related or {}
        if any(related.get(name) for name in related):
            raise ValueError("One level of select_related only.")
        groups = [("", model, [f.attname for f in model._meta.concrete_fields])]
        for name in related:
            other = model._meta.get_field(name).related_model
            attnames = [f"{name}__{f.attname}" for f in other._meta.concrete_fields]
            groups.append((name, other, attnames))
        annotations = list(queryset.query.annotations)
        columns = [c for _n, _m, attnames in groups for c in attnames]
        sql, params = (
            queryset.values_list(*columns, *annotations)
            .order_by("pk")[:1]
            .query.sql_with_params()
        )
        positions = {
            name: [i for i, p in enumerate(params) if p == sample]
            for name, sample in samples.items()
        }
        if not all(positions.values()):
            raise ValueError(f"A value is not a parameter of {sql}")
        converters = [
            queryset.query.annotations[a].output_field.get_db_converters(connection)
            for a in annotations
        ]
        return sql, list(params), positions, groups, annotations, converters

    def first(self, key, **values):
        """What ``build(**values).first()`` returns; ``key`` names the shape
        (the same key, the same SQL)."""
        if connection.vendor != "postgresql":
            return self.build(**values).first()
        if key not in self.compiled:
            self.compiled[key] = self._compile(values)
        sql, params, positions, groups, annotations, converters = self.compiled[key]
        params = list(params)
        for name, indexes in positions.items():
            for i in indexes:
                params[i] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        start, objects = 0, {}
        for name, model, attnames in groups:
            part, start = row[start : start + len(attnames)], start + len(attnames)
            objects[name] = instance_from_row(model, part)
        obj = objects.pop("")
        for name, related in objects.items():
            setattr(obj, name, related)
        for name, value, column_converters in zip(
            annotations, row[start:], converters, strict=True
        ):
            for convert in column_converters:
                value = convert(value, None, connection)
            setattr(obj, name, value)
        return obj


def failures_subquery(*, bucket: str, now) -> Subquery:
    """The failure count of a limit's window open at ``now`` (what
    ``ratelimit.count`` reads), as a subquery; ``bucket`` is
    ``failures_bucket(limit)``."""
    return Subquery(
        RateLimitBucket.objects.filter(key=bucket, window_ends_at__gt=now).values(
            "count"
        )[:1]
    )


def failures_bucket(limit: Limit) -> str:
    return bucket_key(limit.key)


def with_identifiers(queryset: models.QuerySet, user: str = "user"):
    """``queryset`` annotated with ``identifiers``, the identifiers of its
    row's ``user`` in id order (one query instead of two; PostgreSQL only,
    elsewhere ``user_claims`` loads them)."""
    if connection.vendor != "postgresql":
        return queryset
    each = JSONObject(type="type", value="value", is_verified="is_verified")
    return queryset.annotate(
        identifiers=Subquery(
            Identifier.objects.filter(user=OuterRef(user))
            .order_by()
            .values("user")
            .annotate(all=JSONBAgg(each, order_by="id"))
            .values("all")
        )
    )


def preloaded_identifiers(row) -> list | None:
    """The identifiers ``with_identifiers`` put on ``row``, as objects with
    ``type``, ``value`` and ``is_verified``; None when not loaded."""
    if not hasattr(row, "identifiers"):
        return None
    return [SimpleNamespace(**each) for each in row.identifiers or []]


def pool_serves(application):
    """Whether the row's user's pool still serves ``application`` (an EXISTS
    in the same query)."""
    return Exists(
        ApplicationConnection.objects.filter(
            application=application, connection__pool=OuterRef("user__pool")
        )
    )


# The token endpoint's reads, compiled once per process.
CODE_READ = Prepared(
    lambda code_hash, application: with_identifiers(
        AuthorizationCode.objects.filter(code_hash=code_hash, application=application)
        .select_related("user")
        .annotate(pool_served=pool_serves(application))
    )
)
REFRESH_READ = Prepared(
    lambda refresh_hash, application: with_identifiers(
        OAuthToken.objects.filter(
            refresh_token_hash=refresh_hash, application=application
        )
        .select_related("user", "sso_session")
        .annotate(pool_served=pool_serves(application))
    )
)


def _client_query(*, workspace, client_id, slug=None, bucket=None, now=None):
    """The application ``client_id`` of ``workspace``; with ``slug``, only if
    the workspace still has it; with ``bucket``, annotated with the failure
    count of that rate-limit bucket's window open at ``now``."""
    found = Application.objects.filter(workspace=workspace, client_id=client_id)
    if slug is not None:
        found = found.filter(workspace__slug=slug)
    if bucket is not None:
        found = found.annotate(failures=failures_subquery(bucket=bucket, now=now))
    return found


CLIENT_READ = Prepared(_client_query)


def write(*, claim: Claim | None, rows: list[models.Model]) -> bool:
    """Take ``claim`` (when given) and insert ``rows``, all or nothing (one
    statement on PostgreSQL). False, with nothing written, when the claim was
    taken already."""
    writes = Writes()
    claimed = None
    if claim is not None:
        claimed = writes.update(
            claim.model,
            where={"pk": claim.pk, claim.field: None},
            **{claim.field: timezone.now()},
        )
    for row in rows:
        writes.insert(row, when=claimed)
    counts = writes.run()
    return claimed is None or bool(counts[claimed])
