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

Before that, one statement reads the workspace of the URL, the address's
failure count and the client the request names (``token_request_read``,
written once per process). The code and refresh reads are built and compiled
by the ORM once per process (``Prepared``): building and compiling them took
more CPU than anything else in a token request.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection, models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from core.fastpath.prepared import Prepared
from core.fastpath.rows import columns
from core.fastpath.sql import Query
from core.fastpath.writes import Writes
from core.models import RateLimitBucket
from core.ratelimit import Limit, bucket_key
from identity_pools.models import Identifier
from workspaces.models import Workspace

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


CLIENT_READ = Prepared(
    lambda workspace, client_id: Application.objects.filter(
        workspace=workspace, client_id=client_id
    )
)


def _token_request_sql(vendor: str) -> str:
    """``token_request_read``'s statement, written once (table and column
    names only)."""
    qn = connection.ops.quote_name

    def column(model, name):
        return qn(model._meta.get_field(name).column)

    bucket = RateLimitBucket._meta
    selected = [*columns(Workspace, "w"), *columns(Application, "a")]
    return f"""SELECT {", ".join(selected)},
            (SELECT b.{column(RateLimitBucket, "count")}
                FROM {qn(bucket.db_table)} b
                WHERE b.{column(RateLimitBucket, "key")} = %s
                    AND b.{column(RateLimitBucket, "window_ends_at")} > %s)
        FROM {qn(Workspace._meta.db_table)} w
        LEFT JOIN {qn(Application._meta.db_table)} a
            ON a.{column(Application, "workspace")} = w.{qn(Workspace._meta.pk.column)}
            AND a.{column(Application, "client_id")} = %s
        WHERE w.{column(Workspace, "slug")} = %s"""  # noqa: S608


_TOKEN_REQUEST = Query(_token_request_sql, returns=(Workspace, Application))


def token_request_read(
    *, slug: str, client_id: str | None, limit: Limit, now
) -> tuple[Workspace | None, Application | None, int]:
    """In one statement: the workspace ``slug`` (None when there is none),
    the failure count of ``limit``'s window open at ``now`` (what
    ``ratelimit.count`` reads) and the workspace's application ``client_id``
    (None when it has none, or ``client_id`` is None)."""
    row = _TOKEN_REQUEST.one(
        [
            bucket_key(limit.key),
            connection.ops.adapt_datetimefield_value(now),
            client_id,
            slug,
        ]
    )
    if row is None:
        return None, None, 0
    [workspace, application], [count] = _TOKEN_REQUEST.split(row)
    return workspace, application, count or 0


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
