"""What the directory keeps of a pool user's password, as Cognito and Auth0
keep it in the user record: the hash (``PasswordCredential``) and the earlier
hashes (``PasswordHistory``). The import writes them with the users it creates
and the export reads them (``transfer``); Create User and sign-up store the first
one. Setting, checking and upgrading a password, and the policy's history rule,
are ``accounts.authenticators.passwords``'.

The tables keep their names from when these models were ``accounts``' (moved
with their rows by identity_pools 0023 and accounts 0015, in the state only).
Registered with Django through ``identity_pools.models``, which imports them;
this module imports nothing of the app (the user is named by its label).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = "identity_pools.PoolUser"


class PasswordCredential(models.Model):
    """A pool user's password, in Django's encoded form (Argon2id for ours; imported
    bcrypt, PBKDF2, scrypt, argon2 hashes are kept as they are and upgraded at the
    next successful sign-in). A password that must not sign in any more until a
    reset is an unusable hash (``make_password(None)``), not a state."""

    class State(models.TextChoices):
        VALID = "valid", _("Valid")
        MUST_CHANGE = "must_change", _("Must change at next sign-in")

    user = models.OneToOneField(
        USER,
        on_delete=models.DB_CASCADE,
        primary_key=True,
        related_name="password_credential",
    )
    password = models.CharField(_("password hash"), max_length=255)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.VALID
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        db_table = "accounts_passwordcredential"  # from before the move (data kept)
        verbose_name = _("password credential")
        verbose_name_plural = _("password credentials")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["valid", "must_change"]),
                name="accounts_passwordcredential_state_valid",
            )
        ]

    def __str__(self) -> str:
        return f"password of {self.user_id} ({self.state})"


class PasswordHistory(models.Model):
    """An earlier password hash of a pool user, for the pool's "refuse the last N
    passwords" rule. At most 24 are kept per user."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        USER,
        on_delete=models.DB_CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("password hash"), max_length=255)
    created_at = models.DateTimeField(_("replaced"), auto_now_add=True)

    class Meta:
        db_table = "accounts_passwordhistory"  # from before the move (data kept)
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        indexes = [
            models.Index(
                fields=["user", "-created_at"], name="accounts_pwhistory_user_idx"
            )
        ]

    def __str__(self) -> str:
        return f"earlier password of {self.user_id}"


def password_credential_of(user) -> PasswordCredential | None:
    """``user``'s password credential, or None when it has none."""
    return PasswordCredential.objects.filter(user=user).first()
