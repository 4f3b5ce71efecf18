"""The one way to write an audit event (``core.models.AuditEvent``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from .models import ActorType, AuditEvent
from .request import current_ip

# Models that act: their ``_meta.label_lower`` and the actor type they record as.
# (Kept here by name, so that core imports no feature app.)
ACTOR_TYPES = {
    "accounts.operator": ActorType.OPERATOR,
    "identity_pools.pooluser": ActorType.POOL_USER,
    "workspaces.apitoken": ActorType.API_TOKEN,
    "oidc.application": ActorType.APPLICATION,
}


@dataclass(frozen=True)
class SystemActor:
    """The system acting on its own, e.g. ``SystemActor("manage.py seed_users")``:
    services take it wherever they take an operator, and record it by label."""

    label: str = "system"


def actor_fields(actor, *, label: str = "") -> dict[str, str]:
    """The actor columns for ``actor``: an Operator, a PoolUser, an API token, an
    application, a SystemActor, or None (the system; then ``label`` says which
    part of it, e.g. the email address a failed sign-in was tried with). A model's
    ``audit_label`` (or its str) is the label unless ``label`` is given."""
    if isinstance(actor, SystemActor):
        label = label or actor.label
        actor = None
    if actor is None or getattr(actor, "pk", None) is None:
        return {
            "actor_type": ActorType.SYSTEM,
            "actor_id": "",
            "actor_label": (label or "system")[:254],
        }
    kind = ACTOR_TYPES.get(actor._meta.label_lower)
    if kind is None:
        raise ValueError(f"{actor._meta.label} cannot be an audit actor.")
    return {
        "actor_type": kind,
        "actor_id": str(actor.pk),
        "actor_label": (label or getattr(actor, "audit_label", None) or str(actor))[
            :254
        ],
    }


def audit_row(
    *,
    actor,
    action: str,
    workspace=None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """The event ``audit_record`` writes, unsaved: for a caller that writes it
    with the change it describes in one statement (``core.fastpath.writes.Writes``)."""
    return AuditEvent(
        **actor_fields(actor, label=actor_label),
        workspace_id=workspace.pk if workspace is not None else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
        ip_address=current_ip(),
    )


def audit_record(**event: Any) -> AuditEvent:
    """Record ``action`` by ``actor`` (see ``actor_fields``) in ``workspace``
    (the arguments of ``audit_row``).

    Call it inside the transaction of the change it describes, so that both land or
    neither does. The client address comes from the current request, if any.
    """
    row = audit_row(**event)
    row.save(force_insert=True)
    return row


def changes_applied(obj: models.Model, **values: Any) -> dict[str, list[Any]]:
    """Set ``values`` on ``obj`` and return the audit "changes" of those that
    differ from before, as ``{field: [old, new]}``."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [old, new]
        setattr(obj, field, new)
    return changes
