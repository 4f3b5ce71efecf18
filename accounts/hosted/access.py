"""Tenancy for hosted pages: the workspace is public by its slug (its users reach
its pages without an account), and a pool only through its workspace; missing and
foreign answer 404 alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from core.fastpath.rows import cache_related, columns
from core.fastpath.sql import Query
from identity_pools.models import IdentityPool, PasswordPolicy, SignInPolicy
from workspaces.models import Workspace

# What a hosted page loads with its pool, in this order.
_MODELS = (IdentityPool, Workspace, PasswordPolicy, SignInPolicy)


def hosted_workspace(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise Http404("No such workspace.")
    return workspace


def _pool_sql(vendor: str) -> str:
    """``select_related("workspace", "password_policy", "sign_in_policy")``
    written once (the ORM builds it again on each request: about 1 ms of
    Python, twice a sign-in). Table and column names only."""
    qn = connection.ops.quote_name

    def column(model, name):
        return qn(model._meta.get_field(name).column)

    selected = []
    for model, alias in zip(_MODELS, ("p", "w", "pp", "sp"), strict=True):
        selected += columns(model, alias)
    return f"""SELECT {", ".join(selected)}
        FROM {qn(IdentityPool._meta.db_table)} p
        JOIN {qn(Workspace._meta.db_table)} w
            ON w.{qn(Workspace._meta.pk.column)} = p.{column(IdentityPool, "workspace")}
        LEFT JOIN {qn(PasswordPolicy._meta.db_table)} pp
            ON pp.{column(PasswordPolicy, "pool")} = p.{qn(IdentityPool._meta.pk.column)}
        LEFT JOIN {qn(SignInPolicy._meta.db_table)} sp
            ON sp.{column(SignInPolicy, "pool")} = p.{qn(IdentityPool._meta.pk.column)}
        WHERE w.{column(Workspace, "slug")} = %s
            AND p.{qn(IdentityPool._meta.pk.column)} = %s"""  # noqa: S608


_POOL = Query(_pool_sql, returns=_MODELS)


def hosted_pool(*, slug: str, pool_id) -> IdentityPool:
    """The pool ``pool_id`` of the workspace ``slug``, with its workspace and
    policies in one query (the hosted pages run it on every request), as
    ``select_related`` leaves them (a policy the pool has no row for is
    cached as missing: ``sign_in_policy_for`` gives the defaults). 404 when
    either is missing, or the pool is another workspace's."""
    try:
        pk = IdentityPool._meta.pk.get_db_prep_value(
            IdentityPool._meta.pk.to_python(pool_id), connection
        )
    except ValidationError:  # not a pool id at all
        raise Http404("No such pool.") from None
    row = _POOL.one([slug, pk])
    if row is None:
        raise Http404("No such pool.")
    [pool, workspace, password_policy, sign_in_policy], _rest = _POOL.split(row)
    pool.workspace = workspace
    for name, policy in (
        ("password_policy", password_policy),
        ("sign_in_policy", sign_in_policy),
    ):
        cache_related(pool, name, policy)
        if policy is not None:
            policy.pool = pool
    return pool
