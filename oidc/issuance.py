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

from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection, models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from accounts.flows.rows import Prepared
from core.models import RateLimitBucket
from core.ratelimit import Limit, bucket_key
from core.writes import Writes
from identity_pools.models import Identifier

from .models import Application, ApplicationConnection, AuthorizationCode, OAuthToken


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
