"""The one way to write an audit event."""

from __future__ import annotations

from typing import Any

from django.db import models

from .middleware import current_ip
from .models import AuditEvent, Workspace


def audit_record(
    *,
    actor,
    action: str,
    workspace: Workspace | None = None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Record ``action`` by ``actor`` (an Operator or None for the system).

    Call it inside the transaction of the change it describes, so that both land or
    neither does. The client address comes from the current request, if any.
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label or (getattr(actor, "email", "") or "system"),
        workspace=workspace,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
        ip_address=current_ip(),
    )
