"""What the provider's GET endpoints read, one statement each, declared here
and written once per process (``core.fastpath.sql.Query``): applications call
them far more often than anything else, and building their queries with the
ORM cost more CPU than answering them.

- ``userinfo_read``: the workspace of the URL, the address's failure count,
  and the access token with its application, user, single sign-on session,
  the user's identifiers and groups (PostgreSQL; elsewhere ``user_claims``
  loads those two);
- ``published_keys``: the signing keys a workspace's JWKS publishes (their
  kids: what the document is made of, as a key's public part never changes);
- ``workspace_id``: whether a workspace of that slug exists (its discovery
  document depends on nothing else but the settings).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.db import connection

from accounts.models import SsoSession
from core.fastpath.responses import Documents
from core.fastpath.rows import columns
from core.fastpath.sql import Query, column, table
from core.models import RateLimitBucket
from core.ratelimit import Limit, bucket_key
from identity_pools.models import Group, GroupMembership, Identifier, PoolUser
from workspaces.models import Workspace

from .claims import MAX_GROUPS
from .models import Application, OAuthToken, SigningKey

# The discovery documents and JWKS this process rendered, by workspace slug:
# their versions (``workspace_id``, ``published_keys``) are read again after
# this long, so another process's change shows within it; this process's own
# key changes clear them at once (``oidc.signing_keys``).
REVALIDATE_SECONDS = 1.0
PUBLIC_DOCUMENTS = Documents(revalidate_seconds=REVALIDATE_SECONDS)

_USERINFO_MODELS = (Workspace, OAuthToken, Application, PoolUser, SsoSession)


def _userinfo_sql(vendor: str) -> str:
    selected = []
    for model, alias in zip(_USERINFO_MODELS, "wtaus", strict=True):
        selected += columns(model, alias)
    bucket = f"""(SELECT b.{column(RateLimitBucket, "count")}
            FROM {table(RateLimitBucket)} b
            WHERE b.{column(RateLimitBucket, "key")} = %s
                AND b.{column(RateLimitBucket, "window_ends_at")} > %s)"""  # noqa: S608
    if vendor == "postgresql":
        identifiers = f"""(SELECT jsonb_agg(jsonb_build_object(
                'type', i.{column(Identifier, "type")},
                'value', i.{column(Identifier, "value")},
                'is_verified', i.{column(Identifier, "is_verified")})
                ORDER BY i.{column(Identifier, "pk")})
            FROM {table(Identifier)} i
            WHERE i.{column(Identifier, "user")} = u.{column(PoolUser, "pk")})"""  # noqa: S608
        # The user's groups by name, as ``user_claims`` reads them, for the
        # tokens whose scopes ask for them.
        groups = f"""CASE WHEN ' ' || t.{column(OAuthToken, "scope")} || ' '
                LIKE '%% groups %%' THEN ARRAY(
            SELECT g.{column(Group, "name")}
            FROM {table(GroupMembership)} m
            JOIN {table(Group)} g ON g.{column(Group, "pk")} = m.{column(GroupMembership, "group")}
            WHERE m.{column(GroupMembership, "user")} = u.{column(PoolUser, "pk")}
            ORDER BY g.{column(Group, "name")}
            LIMIT {int(MAX_GROUPS)}) END"""  # noqa: S608
    else:
        identifiers = groups = "NULL"
    return f"""SELECT {", ".join(selected)}, {bucket}, {identifiers}, {groups}
        FROM {table(Workspace)} w
        LEFT JOIN {table(OAuthToken)} t ON t.{column(OAuthToken, "access_token_hash")} = %s
        LEFT JOIN {table(Application)} a
            ON a.{column(Application, "pk")} = t.{column(OAuthToken, "application")}
            AND a.{column(Application, "workspace")} = w.{column(Workspace, "pk")}
        LEFT JOIN {table(PoolUser)} u ON u.{column(PoolUser, "pk")} = t.{column(OAuthToken, "user")}
        LEFT JOIN {table(SsoSession)} s
            ON s.{column(SsoSession, "pk")} = t.{column(OAuthToken, "sso_session")}
        WHERE w.{column(Workspace, "slug")} = %s"""  # noqa: S608


_USERINFO = Query(_userinfo_sql, returns=_USERINFO_MODELS)


def userinfo_read(*, slug: str, access_hash: str | None, limit: Limit, now):
    """In one statement: the workspace ``slug`` (None when there is none), the
    failure count of ``limit``'s window open at ``now`` (what
    ``ratelimit.count`` reads) and the access token of hash ``access_hash`` if
    it is one of the workspace's (else None), loaded as
    ``select_related("application", "user", "sso_session")`` leaves it. On
    PostgreSQL the token also carries ``identifiers`` (objects with ``type``,
    ``value`` and ``is_verified``, in id order) and, when its scopes name
    ``groups``, ``groups`` (the user's group names in name order); both are
    None otherwise."""
    row = _USERINFO.one(
        [
            bucket_key(limit.key),
            connection.ops.adapt_datetimefield_value(now),
            access_hash,
            slug,
        ]
    )
    if row is None:
        return None, None, 0
    instances, (failures, identifiers, groups) = _USERINFO.split(row)
    workspace, token, application, user, sso_session = instances
    if token is not None and application is not None:
        token.application, token.user, token.sso_session = (
            application,
            user,
            sso_session,
        )
        if isinstance(identifiers, str):
            identifiers = json.loads(identifiers)
        token.identifiers = (
            None
            if connection.vendor != "postgresql"
            else [SimpleNamespace(**each) for each in identifiers or []]
        )
        token.groups = list(groups) if groups is not None else None
    else:
        token = None
    return workspace, token, failures or 0


def _published_keys_sql(vendor: str, *, jwks: bool) -> str:
    k = SigningKey
    state, retire_after = column(k, "state"), column(k, "retire_after")
    jwk = f", k.{column(k, 'public_jwk')}" if jwks else ""
    # Active keys first ("active" < "next" < "retired"), then by algorithm, newest first.
    return f"""SELECT w.{column(Workspace, "pk")}, k.{column(k, "kid")}, k.{column(k, "alg")}{jwk}
        FROM {table(Workspace)} w
        LEFT JOIN {table(k)} k ON k.{column(k, "workspace")} = w.{column(Workspace, "pk")}
            AND (k.{state} IN ('next', 'active')
                OR (k.{state} = 'retired' AND k.{retire_after} > %s))
        WHERE w.{column(Workspace, "slug")} = %s
        ORDER BY k.{state}, k.{column(k, "alg")}, k.{column(k, "created_at")} DESC"""  # noqa: S608


_PUBLISHED_KEYS = Query(_published_keys_sql)


def published_keys(*, slug: str, now, jwks: bool = False):
    """The keys the JWKS of workspace ``slug`` publishes at ``now``, in its
    order: ``(kid, alg)`` pairs, or ``(kid, alg, public JWK)`` with ``jwks``;
    with the workspace's id first. None when there is no such workspace."""
    rows = _PUBLISHED_KEYS.all(
        [connection.ops.adapt_datetimefield_value(now), slug], jwks=jwks
    )
    if not rows:
        return None
    keys = []
    for _workspace, *key in rows:
        if key[0] is None:  # no key at all: the LEFT JOIN's one row
            continue
        if jwks and isinstance(key[2], str):
            key[2] = json.loads(key[2])
        keys.append(tuple(key))
    return rows[0][0], tuple(keys)


def _workspace_id_sql(vendor: str) -> str:
    return f"""SELECT {column(Workspace, "pk")} FROM {table(Workspace)}
        WHERE {column(Workspace, "slug")} = %s"""  # noqa: S608


_WORKSPACE_ID = Query(_workspace_id_sql)


def workspace_id(*, slug: str):
    """The id of the workspace ``slug``, or None."""
    row = _WORKSPACE_ID.one([slug])
    return None if row is None else row[0]
