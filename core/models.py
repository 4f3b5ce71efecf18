"""Tables of the shared plumbing: the abstract timestamped base, rate-limit
buckets and audit events. None refers to a feature app: an audit event names its
workspace and its actor by id, so core stays below every app (and an event
outlives what it describes)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class RateLimitBucket(models.Model):
    """A fixed-window counter shared by every server process (see core.ratelimit)."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit bucket")
        verbose_name_plural = _("rate-limit buckets")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class ActorType(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    POOL_USER = "pool_user", _("Pool user")
    API_TOKEN = "api_token", _("API token")
    APPLICATION = "application", _("Application")
    SYSTEM = "system", _("System")


class AuditEventQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> AuditEventQuerySet:
        return self.filter(workspace_id=workspace.pk)


class AuditEvent(models.Model):
    """One state change: who did what to which object, from where, and when.

    Written by ``core.audit.audit_record`` inside the transaction of the change.
    The actor is an operator, a pool user, an API token, an application or the
    system (``actor_type``), named by id and by a label kept as it was then.
    """

    ActorType = ActorType

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_type = models.CharField(
        _("actor type"),
        max_length=16,
        choices=ActorType.choices,
        default=ActorType.SYSTEM,
    )
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    # Kept when the actor is deleted or renamed.
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    workspace_id = models.UUIDField(
        _("workspace id"),
        null=True,
        blank=True,
        help_text=_(
            "The workspace the event belongs to; empty for installation-wide events."
        ),
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace_id", "-created_at", "-id"],
                name="ws_audit_ws_time_idx",
            ),
            models.Index(
                fields=["target_type", "target_id"], name="workspaces_audit_target_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor_type__in=ActorType.values),
                name="core_auditevent_actor_type_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
