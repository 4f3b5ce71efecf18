"""Operators (console users), and the authenticators of pool users: one-time
codes, authenticator apps (TOTP), passkeys, recovery codes and remembered
devices, and the sign-in locks; pool users' single sign-on sessions. A pool
user's password hash is kept in the directory's user record
(``identity_pools.credentials``); ``authenticators.passwords`` sets and checks
it."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import ThrottlingMixin, VerifyNotAllowed

from core.fastpath.prepared import Prepared

from .authenticators.throttle import wrong_codes_locked_until


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
        """The operator whose email is ``username`` in any case (what the
        ModelBackend signs in with), compiled once per process."""
        found = _BY_EMAIL.first("email", email=username)
        if found is None:
            raise self.model.DoesNotExist("No operator has this email address.")
        return found


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


_BY_EMAIL = Prepared(
    lambda email: Operator._default_manager.filter(email__iexact=email)
)


class SignInLock(models.Model):
    """Failed sign-ins of one identifier in one pool, and the block they earned.
    Kept for any identifier typed, known or not, so that a block never tells
    whether an account exists. ``key`` is a hash of the normalised identifier."""

    id = models.BigAutoField(primary_key=True)
    pool = models.ForeignKey(
        "identity_pools.IdentityPool",
        on_delete=models.DB_CASCADE,
        related_name="+",
        db_index=False,
    )
    key = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(_("failed sign-ins"), default=0)
    blocked_until = models.DateTimeField(_("blocked until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "key"], name="accounts_signinlock_pool_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.failures} failures in {self.pool_id}"


class CodeQuerySet(models.QuerySet):
    def usable(self) -> CodeQuerySet:
        return self.filter(
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            attempts__lt=models.F("max_attempts"),
        )


class Code(models.Model):
    """A one-time secret sent to a pool user: an invitation link, an address
    verification, a password reset, a sign-in or a passkey-enrolment code.

    Only a hash of the secret is stored (SHA-256 of a 256-bit link token; a keyed
    HMAC of a numeric code, so a leaked table alone cannot be brute-forced).
    Single use (``used_at``), expiring, dead after ``max_attempts`` wrong tries.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        VERIFY_IDENTIFIER = "verify_identifier", _("Address verification")
        PASSWORD_RESET = "password_reset", _("Password reset")
        SIGN_IN = "sign_in", _("Sign-in code")
        PASSKEY_ENROLMENT = "passkey_enrolment", _("Passkey enrolment")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        "identity_pools.PoolUser", on_delete=models.DB_CASCADE, related_name="codes"
    )
    identifier = models.ForeignKey(
        "identity_pools.Identifier",
        on_delete=models.DB_CASCADE,
        null=True,
        blank=True,
        related_name="codes",
        help_text=_("The address the code was sent to."),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(
        _("wrong attempts allowed"), default=5
    )
    attempt = models.UUIDField(
        _("sign-in attempt"),
        null=True,
        blank=True,
        help_text=_("A sign-in code works only for the sign-in it was sent for."),
    )
    send_failed_at = models.DateTimeField(
        _("sending failed"),
        null=True,
        blank=True,
        help_text=_("The message that carried the code could not be handed over."),
    )

    objects = CodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        indexes = [
            models.Index(
                fields=["user", "purpose"], name="accounts_code_user_purpose_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    purpose__in=[
                        "invitation",
                        "verify_identifier",
                        "password_reset",
                        "sign_in",
                        "passkey_enrolment",
                    ]
                ),
                name="accounts_code_purpose_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.user_id}"


class _AlwaysAllowed(models.Model):
    """The end of ``ThrottlingMixin.verify_is_allowed``'s ``super()`` chain
    (django-otp's ``Device`` plays this part for its own devices)."""

    class Meta:
        abstract = True

    def verify_is_allowed(self):
        return True, None


class TotpDevice(ThrottlingMixin, _AlwaysAllowed):
    """A pool user's authenticator app (RFC 6238: SHA-1, 30 s, 6 digits), checked
    with django-otp's TOTP. Saved only once the user has confirmed it with a first
    code. ``last_t`` is the time step of the last accepted code: that code and
    earlier ones are refused (no replay). Wrong codes slow further tries down
    (django-otp's ``ThrottlingMixin`` counts them; after three free ones the
    next waits 1, 2, 4 … seconds: ``authenticators.throttle``)."""

    user = models.OneToOneField(
        "identity_pools.PoolUser",
        on_delete=models.DB_CASCADE,
        primary_key=True,
        related_name="totp_device",
    )
    key = models.CharField(
        _("secret key"), max_length=80, help_text=_("Hex-encoded, 20 bytes.")
    )
    last_t = models.BigIntegerField(_("last accepted time step"), default=-1)
    created_at = models.DateTimeField(_("set up"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"authenticator app of {self.user_id}"

    def get_throttle_factor(self) -> int:
        return 1

    def verify_is_allowed(self):
        """ThrottlingMixin's answer under our rule: a few slips are free."""
        until = wrong_codes_locked_until(
            failures=self.throttling_failure_count,
            last_failure=self.throttling_failure_timestamp,
        )
        if until is not None and timezone.now() < until:
            return False, {
                "reason": VerifyNotAllowed.N_FAILED_ATTEMPTS,
                "failure_count": self.throttling_failure_count,
                "locked_until": until,
            }
        return True, None


class Passkey(models.Model):
    """A WebAuthn credential of a pool user. The credential id is unique across
    the installation (a browser presenting it names exactly one user)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        "identity_pools.PoolUser", on_delete=models.DB_CASCADE, related_name="passkeys"
    )
    name = models.CharField(_("name"), max_length=100)
    credential_id = models.CharField(
        _("credential id"), max_length=1400, help_text=_("base64url, unpadded.")
    )
    public_key = models.BinaryField(_("public key (COSE)"))
    sign_count = models.BigIntegerField(_("signature counter"), default=0)
    transports = models.JSONField(_("transports"), default=list, blank=True)
    aaguid = models.CharField(_("authenticator model (AAGUID)"), max_length=36)
    backed_up = models.BooleanField(_("synced"), default=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        constraints = [
            models.UniqueConstraint(
                fields=["credential_id"], name="accounts_passkey_credential_uniq"
            )
        ]
        indexes = [models.Index(fields=["user"], name="accounts_passkey_user_idx")]

    def __str__(self) -> str:
        return f"passkey {self.name} of {self.user_id}"


class WebAuthnChallenge(models.Model):
    """A WebAuthn challenge handed to a browser: kept here (never trusted from the
    browser), used at most once, dead after ``expires_at``."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")
        AUTHENTICATE = "authenticate", _("Authentication")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pool = models.ForeignKey(
        "identity_pools.IdentityPool",
        on_delete=models.DB_CASCADE,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        "identity_pools.PoolUser",
        on_delete=models.DB_CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Registration: whose passkey it will be."),
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    challenge = models.BinaryField(_("challenge"), max_length=64)
    browser = models.CharField(
        _("browser"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_(
            "SHA-256 of a secret kept by the hosted session of the browser that "
            "asked: only that browser may answer the challenge."
        ),
    )
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("WebAuthn challenge")
        verbose_name_plural = _("WebAuthn challenges")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["register", "authenticate"]),
                name="accounts_webauthnchallenge_purpose_valid",
            )
        ]
        indexes = [
            models.Index(fields=["expires_at"], name="accounts_webauthn_expires_idx")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} challenge {self.pk}"


class RecoveryCode(models.Model):
    """One of a user's ten single-use recovery codes (a keyed hash of it)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        "identity_pools.PoolUser",
        on_delete=models.DB_CASCADE,
        related_name="recovery_codes",
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code_hash"], name="accounts_recoverycode_user_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class SsoSession(models.Model):
    """A pool user signed in on the hosted pages of a browser: the session every
    application of the workspace shares (single sign-on). Ending it (sign out,
    RP-initiated logout, the operator's "Revoke") signs that browser out and
    stops the tokens issued under it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        "identity_pools.PoolUser",
        on_delete=models.DB_CASCADE,
        related_name="sso_sessions",
    )
    method = models.CharField(_("signed in with"), max_length=60)
    auth_time = models.DateTimeField(_("signed in"))
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on session")
        verbose_name_plural = _("single sign-on sessions")
        indexes = [
            models.Index(
                fields=["user", "-auth_time"],
                condition=models.Q(ended_at__isnull=True),
                name="accounts_sso_user_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user_id}"


class RememberedDevice(models.Model):
    """A browser that passed the second factor and is not asked again until
    ``expires_at`` (the pool's "remember this device"). The browser holds the
    token; only its hash is stored."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        "identity_pools.PoolUser",
        on_delete=models.DB_CASCADE,
        related_name="remembered_devices",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("remembered device")
        verbose_name_plural = _("remembered devices")

    def __str__(self) -> str:
        return f"remembered device of {self.user_id}"
