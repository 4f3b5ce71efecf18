"""The OpenID provider's clients and keys: the workspace's pools connected as
identity providers, its applications (OpenID Connect clients) and which
connections each signs users in with, and the keys its provider signs with.

Their tables keep the names they had in ``workspaces`` (moved here by
``oidc`` migration 0001 without touching the database: nodes of the release
before keep reading and writing the same tables during a rolling deploy)."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.catalogue import MESSAGES
from core.models import TimeStampedModel
from workspaces.models import Workspace


class IdpConnectionQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> IdpConnectionQuerySet:
        return self.filter(workspace=workspace)


class IdpConnection(TimeStampedModel):
    """A pool of the workspace connected as an identity provider: the
    workspace's applications may sign its users in (Workspace → Identity
    providers → Connect identity pool)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.DB_CASCADE, related_name="idp_connections"
    )
    pool = models.ForeignKey(
        "identity_pools.IdentityPool",
        on_delete=models.DB_CASCADE,
        related_name="idp_connections",
    )
    display_name = models.CharField(
        _("display name"),
        max_length=100,
        help_text=_("Shown to users when an application offers several."),
    )

    objects = IdpConnectionQuerySet.as_manager()

    class Meta:
        db_table = "workspaces_idpconnection"
        verbose_name = _("identity provider connection")
        verbose_name_plural = _("identity provider connections")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "pool"],
                name="workspaces_idpconnection_workspace_pool_uniq",
                violation_error_message=MESSAGES["idp_pool_connected"],
                violation_error_code="idp_pool_connected",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.pool_id})"


def new_client_id() -> str:
    """A random, URL-safe client id (22 characters, 128 bits)."""
    import secrets

    return secrets.token_urlsafe(16)


def new_subject_salt() -> str:
    import secrets

    return secrets.token_hex(32)


class ApplicationQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> ApplicationQuerySet:
        return self.filter(workspace=workspace)


class Application(TimeStampedModel):
    """An OpenID Connect client of a workspace (Workspace → Applications). Its
    users sign in through the workspace's identity-provider connections it
    names. Confidential kinds (web, m2m) have a secret, stored as a SHA-256
    hash; public kinds (spa, native) have none and must use PKCE. Rules that
    span fields (URIs, grants and scopes for the kind) are checked by the
    services in ``oidc.applications``."""

    class Kind(models.TextChoices):
        WEB = "web", _("Web application (with a client secret)")
        SPA = "spa", _("Single-page application (no secret, PKCE)")
        NATIVE = "native", _("Native or mobile application (no secret, PKCE)")
        M2M = "m2m", _("Machine to machine (client credentials)")

    class GrantType(models.TextChoices):
        AUTHORIZATION_CODE = "authorization_code", _("Authorization code")
        REFRESH_TOKEN = "refresh_token", _("Refresh token")
        CLIENT_CREDENTIALS = "client_credentials", _("Client credentials")

    class Scope(models.TextChoices):
        OPENID = "openid", "openid"
        PROFILE = "profile", "profile"
        EMAIL = "email", "email"
        PHONE = "phone", "phone"
        ADDRESS = "address", "address"
        GROUPS = "groups", "groups"

    PUBLIC_KINDS = frozenset({Kind.SPA, Kind.NATIVE})
    ACCESS_TOKEN_SECONDS = (60, 86_400)
    REFRESH_TOKEN_SECONDS = (60, 365 * 86_400)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.DB_CASCADE, related_name="applications"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    client_id = models.CharField(
        _("client id"),
        max_length=64,
        unique=True,
        default=new_client_id,
        editable=False,
    )
    secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True, editable=False
    )
    redirect_uris = models.JSONField(
        _("redirect URIs"),
        default=list,
        blank=True,
        help_text=_("Exact match; https, or http on 127.0.0.1, [::1], localhost."),
    )
    post_logout_redirect_uris = models.JSONField(
        _("post-logout redirect URIs"), default=list, blank=True
    )
    grant_types = models.JSONField(_("grant types"), default=list, blank=True)
    connections = models.ManyToManyField(
        IdpConnection,
        through="ApplicationConnection",
        related_name="applications",
        blank=True,
        verbose_name=_("identity providers"),
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    access_token_seconds = models.PositiveIntegerField(
        _("access-token lifetime (seconds)"),
        default=3600,
        validators=[
            MinValueValidator(ACCESS_TOKEN_SECONDS[0]),
            MaxValueValidator(ACCESS_TOKEN_SECONDS[1]),
        ],
    )
    refresh_token_seconds = models.PositiveIntegerField(
        _("refresh-token lifetime (seconds)"),
        default=30 * 86_400,
        validators=[
            MinValueValidator(REFRESH_TOKEN_SECONDS[0]),
            MaxValueValidator(REFRESH_TOKEN_SECONDS[1]),
        ],
    )
    rotate_refresh_tokens = models.BooleanField(
        _("rotate refresh tokens"),
        default=True,
        help_text=_("Each use of a refresh token returns a new one."),
    )
    require_consent = models.BooleanField(
        _("users must consent"),
        default=False,
        help_text=_("Ask users to allow the application the first time."),
    )
    require_two_factors = models.BooleanField(
        _("users sign in with two factors"),
        default=False,
        db_default=False,  # nodes of the release before fill it too
        help_text=_(
            "A user signed in with one factor is asked for a second (or to set "
            "one up) before this application gets a code; its ID tokens then "
            "say acr 2. The pools it uses must count a second factor."
        ),
    )
    pairwise_subject = models.BooleanField(
        _("pairwise subject"),
        default=False,
        help_text=_("Give this application its own “sub” for each user."),
    )

    id_token_alg = models.CharField(
        _("ID-token signing algorithm"),
        max_length=10,
        choices=[("ES256", "ES256"), ("RS256", "RS256")],
        default="ES256",
        help_text=_("ES256 unless the application's library needs RS256."),
    )
    # [{"claim": "department", "source": "user_data.department"}, ...]: see
    # ``oidc.applications.CLAIM_SOURCES`` for the sources.
    claim_mappings = models.JSONField(_("custom claims"), default=list, blank=True)
    # The salt of pairwise subjects: never shown, never changes.
    subject_salt = models.CharField(
        max_length=64, default=new_subject_salt, editable=False
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        db_table = "workspaces_application"
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="workspaces_application_workspace_name_uniq",
                violation_error_message=MESSAGES["application_name_taken"],
                violation_error_code="application_name_taken",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["web", "spa", "native", "m2m"]),
                name="workspaces_application_kind_valid",
            ),
            # Public clients never hold a secret; confidential ones always do.
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["spa", "native"], secret_hash="")
                    | (models.Q(kind__in=["web", "m2m"]) & ~models.Q(secret_hash=""))
                ),
                name="workspaces_application_secret_for_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(access_token_seconds__range=(60, 86_400))
                & models.Q(refresh_token_seconds__range=(60, 365 * 86_400)),
                name="workspaces_application_lifetimes_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(id_token_alg__in=["ES256", "RS256"]),
                name="workspaces_application_id_token_alg_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        """A public client (no secret; PKCE required)."""
        return self.kind in self.PUBLIC_KINDS

    @property
    def audit_label(self) -> str:
        return f"{self.name} ({self.client_id})"


class ApplicationConnection(models.Model):
    """Which identity-provider connections an application's users sign in
    with (an explicit through model: database-level cascades on both sides)."""

    application = models.ForeignKey(
        Application, on_delete=models.DB_CASCADE, related_name="+"
    )
    connection = models.ForeignKey(
        IdpConnection, on_delete=models.DB_CASCADE, related_name="+"
    )

    class Meta:
        db_table = "workspaces_applicationconnection"
        verbose_name = _("application's identity provider")
        verbose_name_plural = _("applications' identity providers")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "connection"],
                name="workspaces_applicationconnection_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.connection_id}"


def new_kid() -> str:
    """A random, URL-safe key id (22 characters, 128 bits)."""
    import secrets

    return secrets.token_urlsafe(16)


class SigningKey(models.Model):
    """A key a workspace's OpenID provider signs tokens with. Its private part
    is stored encrypted (``oidc.signing_keys``); its public part is
    published in the workspace's JWKS while it is "next" (before it signs,
    so relying parties have it in time), "active" (signing: one per workspace
    and algorithm) and "retired" until ``retire_after`` (the last tokens it
    signed have expired by then)."""

    class Alg(models.TextChoices):
        ES256 = "ES256", "ES256"
        RS256 = "RS256", "RS256"

    class State(models.TextChoices):
        NEXT = "next", _("Next (published, not yet signing)")
        ACTIVE = "active", _("Active (signing)")
        RETIRED = "retired", _("Retired (published for verification)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.DB_CASCADE, related_name="signing_keys"
    )
    kid = models.CharField(
        _("key id"), max_length=64, unique=True, default=new_kid, editable=False
    )
    alg = models.CharField(
        _("algorithm"), max_length=10, choices=Alg.choices, default=Alg.ES256
    )
    # Nonce (12 bytes) + AES-GCM ciphertext of the PKCS#8 PEM; never shown.
    private_key_encrypted = models.BinaryField(editable=False)
    public_jwk = models.JSONField(_("public key (JWK)"), editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    retire_after = models.DateTimeField(_("published until"), null=True, blank=True)

    class Meta:
        db_table = "workspaces_signingkey"
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alg__in=["ES256", "RS256"]),
                name="workspaces_signingkey_alg_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state="next")
                    | models.Q(state="active", activated_at__isnull=False)
                    | models.Q(
                        state="retired",
                        retired_at__isnull=False,
                        retire_after__isnull=False,
                    )
                ),
                name="workspaces_signingkey_state_valid",
            ),
            models.UniqueConstraint(
                fields=["workspace", "alg"],
                condition=models.Q(state="active"),
                name="workspaces_signingkey_one_active",
            ),
            models.UniqueConstraint(
                fields=["workspace", "alg"],
                condition=models.Q(state="next"),
                name="workspaces_signingkey_one_next",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.alg}, {self.state})"
