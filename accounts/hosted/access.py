"""Tenancy for hosted pages: the workspace is public by its slug (its users reach
its pages without an account), and a pool only through its workspace; missing and
foreign answer 404 alike."""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from identity_pools.models import IdentityPool, PasswordPolicy, SignInPolicy
from workspaces.models import Workspace

from ..flows.rows import columns, instance_from_row

# What a hosted page loads with its pool, in this order.
_MODELS = (IdentityPool, Workspace, PasswordPolicy, SignInPolicy)


def hosted_workspace(*, slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise Http404("No such workspace.")
    return workspace


@lru_cache(maxsize=4)
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
    with connection.cursor() as cursor:
        cursor.execute(_pool_sql(connection.vendor), [slug, pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such pool.")
    instances, start = [], 0
    for model in _MODELS:
        width = len(model._meta.concrete_fields)
        instances.append(instance_from_row(model, row[start : start + width]))
        start += width
    pool, workspace, password_policy, sign_in_policy = instances
    pool.workspace = workspace
    for name, policy in (
        ("password_policy", password_policy),
        ("sign_in_policy", sign_in_policy),
    ):
        getattr(IdentityPool, name).related.set_cached_value(pool, policy)
        if policy is not None:
            policy.pool = pool
    return pool
