"""Pools connected as identity providers of their workspace (issue 11's first
step): connect, rename, disconnect. The applications that use a connection
arrive with the OpenID provider."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_record
from core.catalogue import field_error
from core.text import text_problem
from core.validation import validated_save

from .models import IdpConnection


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or text_problem(name):
        raise field_error("display_name", "idp_name_invalid")
    return name


def idp_connect(*, workspace, actor, pool, display_name: str = "") -> IdpConnection:
    """Connect ``pool`` (resolved through ``workspace``) as an identity provider
    of ``workspace``. Raises ValidationError ``idp_pool_connected`` when it is
    already, ``idp_name_invalid`` on "display_name"."""
    if pool.workspace_id != workspace.pk:
        raise ValueError("Resolve the pool through the workspace (pool_access).")
    connection = IdpConnection(
        workspace=workspace,
        pool=pool,
        display_name=_clean_name(display_name or pool.name),
    )

    def record() -> None:
        audit_record(
            actor=actor,
            action="idp.connected",
            workspace=workspace,
            target=connection,
            details={"pool": str(pool.pk), "display_name": connection.display_name},
        )

    validated_save(connection, then=record, error_fields={"idp_pool_connected": "pool"})
    return connection


def idp_disconnect(*, connection: IdpConnection, actor) -> None:
    """Disconnect: the pool's users can no longer sign in to the workspace's
    applications through it (the pool and its users stay)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="idp.disconnected",
            workspace=connection.workspace,
            target=connection,
            details={
                "pool": str(connection.pool_id),
                "display_name": connection.display_name,
            },
        )
        connection.delete()
