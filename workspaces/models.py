"""Workspaces (tenants), their API tokens, operators' memberships in them and
their invitations."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.catalogue import MESSAGES
from core.models import TimeStampedModel


class Workspace(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=50,
        help_text=_("Appears in URLs. Lowercase letters, digits and hyphens."),
    )
    description = models.TextField(_("description"), blank=True, max_length=1000)
    audit_retention_days = models.PositiveIntegerField(
        _("keep activity for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Activity older than this is deleted by manage.py purge_audit. "
            "Empty: keep it forever."
        ),
    )

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="workspaces_workspace_slug_uniq",
                violation_error_message=MESSAGES["slug_taken"],
                violation_error_code="slug_taken",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A workspace's key to the REST API (``Authorization: Bearer <secret>``).
    Only the SHA-256 of the secret is stored; the secret is shown once. A token
    sees its own workspace only, and only what its scopes allow."""

    class Scope(models.TextChoices):
        READ = "read", _("read: list and read")
        WRITE = "write", _("write: create, change and delete")
        IMPORT = "import", _("import: bulk import, and export with password hashes")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.DB_CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        _("starts with"),
        max_length=12,
        help_text=_("The secret's first characters, to recognise it by."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DB_SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [
            models.Index(
                fields=["workspace", "-created_at"], name="workspaces_apitoken_ws_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def audit_label(self) -> str:
        return f"API token {self.name}"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    VIEWER = "viewer", _("Viewer")

    @classmethod
    def rank(cls, role: str) -> int:
        return {cls.VIEWER: 0, cls.ADMIN: 1, cls.OWNER: 2}[role]


class MembershipQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> MembershipQuerySet:
        return self.filter(workspace=workspace)


class Membership(TimeStampedModel):
    """An operator's role in one workspace."""

    Role = Role

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "operator"],
                name="workspaces_membership_workspace_operator_uniq",
                violation_error_message=MESSAGES["already_member"],
                violation_error_code="already_member",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="workspaces_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operator} in {self.workspace} ({self.role})"

    def allows(self, min_role: str) -> bool:
        return Role.rank(self.role) >= Role.rank(min_role)


class InvitationQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> InvitationQuerySet:
        return self.filter(workspace=workspace)

    def pending(self) -> InvitationQuerySet:
        from django.utils import timezone

        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class WorkspaceInvitation(TimeStampedModel):
    """An invitation for someone without an operator account to join a workspace.

    Only the SHA-256 of the token is stored; the token itself is in the emailed link.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"), max_length=254)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("workspace invitation")
        verbose_name_plural = _("workspace invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True),
                name="workspaces_invitation_workspace_email_open_uniq",
                violation_error_message=MESSAGES["already_invited"],
                violation_error_code="already_invited",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="workspaces_invitation_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"
