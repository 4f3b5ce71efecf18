"""What the OpenID provider keeps between requests, all in the database so any
app node can answer the next one: the authorization codes, the tokens (access
and refresh, stored as SHA-256 hashes) and the consents users gave
applications. The single sign-on sessions they were issued under are
``accounts.SsoSession``.

Their tables keep the names they had in ``accounts`` (moved here by ``oidc``
migration 0001 without touching the database)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInContext:
    """The sign-in behind a code or a token (``sso_session``, ``auth_time``,
    ``amr``, ``acr`` fields), as ID tokens and Authlib ask for it."""

    def sign_in_context(self) -> dict:
        return {
            "sso": self.sso_session_id,
            "auth_time": self.auth_time,
            "amr": list(self.amr),
            "acr": self.acr,
        }

    def get_auth_time(self) -> int | None:
        return int(self.auth_time.timestamp()) if self.auth_time else None

    def get_acr(self) -> str | None:
        return self.acr or None

    def get_amr(self) -> list[str] | None:
        return list(self.amr) or None


class AuthorizationCode(SignInContext, models.Model):
    """An authorization code: single use, bound to its application, redirect
    URI, PKCE challenge and nonce, valid for under a minute. ``family`` is
    given to the tokens it is exchanged for, so a second use can revoke them."""

    id = models.BigAutoField(primary_key=True)
    application = models.ForeignKey(
        "oidc.Application", on_delete=models.DB_CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        "identity_pools.PoolUser", on_delete=models.DB_CASCADE, related_name="+"
    )
    sso_session = models.ForeignKey(
        "accounts.SsoSession", on_delete=models.DB_CASCADE, related_name="+", null=True
    )
    code_hash = models.CharField(max_length=64)
    family = models.UUIDField(default=uuid.uuid4)
    redirect_uri = models.TextField()
    scope = models.TextField(blank=True)
    nonce = models.CharField(max_length=255, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    auth_time = models.DateTimeField()
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_authorizationcode"
        verbose_name = _("authorization code")
        verbose_name_plural = _("authorization codes")
        # Unique constraints rather than unique fields: no second, unused
        # LIKE-pattern index on PostgreSQL to update on every insert.
        constraints = [
            models.UniqueConstraint(
                fields=["code_hash"], name="accounts_authcode_hash_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["expires_at"], name="accounts_authcode_exp_idx"),
        ]

    def __str__(self) -> str:
        return f"authorization code {self.pk}"

    # What Authlib asks of a code (and, for ID tokens, of its sign-in).
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce or None


class OAuthTokenQuerySet(models.QuerySet):
    def revoke(self, now=None) -> int:
        """Revoke the tokens of this queryset that are not yet; returns how many."""
        return self.filter(revoked_at__isnull=True).update(
            revoked_at=now or timezone.now()
        )


class OAuthToken(SignInContext, models.Model):
    """An access token, with the refresh token issued beside it (if any). Only
    hashes are stored. A refresh token that was rotated and is presented again
    revokes its whole ``family`` (every token descending from one sign-in)."""

    id = models.BigAutoField(primary_key=True)
    application = models.ForeignKey(
        "oidc.Application", on_delete=models.DB_CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        "identity_pools.PoolUser",
        on_delete=models.DB_CASCADE,
        related_name="oauth_tokens",
        null=True,
        blank=True,
        help_text=_("Empty for client-credentials tokens."),
    )
    sso_session = models.ForeignKey(
        "accounts.SsoSession",
        on_delete=models.DB_SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    family = models.UUIDField(default=uuid.uuid4)
    access_token_hash = models.CharField(max_length=64)
    refresh_token_hash = models.CharField(max_length=64, null=True, blank=True)
    scope = models.TextField(blank=True)
    auth_time = models.DateTimeField(null=True, blank=True)
    amr = models.JSONField(default=list, blank=True)
    acr = models.CharField(max_length=20, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    access_expires_at = models.DateTimeField(_("access token expires"))
    refresh_expires_at = models.DateTimeField(
        _("refresh token expires"), null=True, blank=True
    )
    rotated_at = models.DateTimeField(
        _("refresh token used"),
        null=True,
        blank=True,
        help_text=_("The refresh token was exchanged for a new one."),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = OAuthTokenQuerySet.as_manager()

    class Meta:
        db_table = "accounts_oauthtoken"
        verbose_name = _("OAuth token")
        verbose_name_plural = _("OAuth tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["access_token_hash"], name="accounts_oauthtoken_access_uniq"
            ),
            models.UniqueConstraint(
                fields=["refresh_token_hash"], name="accounts_oauthtoken_refresh_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["family"], name="accounts_oauthtoken_family_idx"),
            models.Index(
                fields=["user", "-issued_at"], name="accounts_oauthtoken_user_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"token {self.pk} of {self.application_id}"

    def _alive(self, now) -> bool:
        """Not revoked; its user (if any) active; its sign-on session (if
        any) not ended. Needs ``user`` and ``sso_session`` loaded."""
        if self.revoked_at is not None:
            return False
        if self.user_id is not None and self.user.status != "active":
            return False
        ended = self.sso_session.ended_at if self.sso_session_id else None
        return ended is None or ended > now

    def access_usable(self, now) -> bool:
        return self.access_expires_at > now and self._alive(now)

    def refresh_usable(self, now) -> bool:
        return (
            self.refresh_expires_at is not None
            and self.refresh_expires_at > now
            and self._alive(now)
        )

    # What Authlib asks of a token (refresh, revocation, introspection).
    def check_client(self, client) -> bool:
        return client.application.pk == self.application_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.access_expires_at - self.issued_at).total_seconds())

    def get_user(self):
        return self.user

    def get_nonce(self) -> None:
        return None


class Consent(models.Model):
    """The scopes a pool user allowed an application (asked once when the
    application requires consent; again when it asks for more)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        "identity_pools.PoolUser", on_delete=models.DB_CASCADE, related_name="+"
    )
    application = models.ForeignKey(
        "oidc.Application", on_delete=models.DB_CASCADE, related_name="+"
    )
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "accounts_consent"
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application"], name="accounts_consent_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"consent of {self.user_id} to {self.application_id}"
