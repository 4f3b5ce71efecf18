"""Operators (console users) and the shared sign-in rate-limit buckets."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class OperatorManager(BaseUserManager["Operator"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> Operator:
        if not email:
            raise ValueError("An operator needs an email address.")
        operator = self.model(email=self.normalize_email(email).lower(), **extra)
        operator.set_password(password)
        operator.full_clean(exclude=["password"])
        operator.save(using=self._db)
        return operator

    def create_user(self, email: str, password: str | None = None, **extra) -> Operator:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str) -> Operator:
        return self.get(email__iexact=username)


class Operator(AbstractBaseUser, PermissionsMixin):
    """A console user. Signs in with an email address; never an end user of a pool."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(
        _("email"),
        max_length=254,
        unique=True,
        help_text=_("Stored in lowercase; signs in with any capitalisation."),
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive operators cannot sign in.")
    )
    is_staff = models.BooleanField(
        _("staff"),
        default=False,
        help_text=_("Staff operators can sign in to the Django admin."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = OperatorManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_operator_email_ci_uniq",
                violation_error_message=_(
                    "An operator with this email already exists."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email


class RateLimitBucket(models.Model):
    """A fixed-window counter shared by every server process (see accounts.ratelimit)."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit bucket")
        verbose_name_plural = _("rate-limit buckets")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
