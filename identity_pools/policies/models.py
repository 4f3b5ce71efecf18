"""The pool's policies (Settings): passwords, one-time codes, sign-in. One row
per pool (per purpose for codes); a pool without a row uses the defaults.

Registered with Django through ``identity_pools.models``, which imports them;
this module imports nothing of the app (the pool is named by its label)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.catalogue import message

POOL = "identity_pools.IdentityPool"


def _between(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class PasswordPolicy(models.Model):
    """The pool's rules for its users' passwords (Settings → Password policy).

    A pool without a row uses the defaults below: NIST SP 800-63B rev. 4 for a
    password used alone (at least 15 characters, no composition rules, common
    and personal passwords refused, no forced expiry).
    """

    pool = models.OneToOneField(
        POOL,
        on_delete=models.DB_CASCADE,
        primary_key=True,
        related_name="password_policy",
    )
    min_length = models.PositiveSmallIntegerField(
        _("minimum length"), default=15, validators=_between(8, 64)
    )
    max_length = models.PositiveSmallIntegerField(
        _("maximum length"), default=128, validators=_between(64, 1024)
    )
    min_uppercase = models.PositiveSmallIntegerField(
        _("capital letters"), default=0, validators=_between(0, 16)
    )
    min_lowercase = models.PositiveSmallIntegerField(
        _("lowercase letters"), default=0, validators=_between(0, 16)
    )
    min_digits = models.PositiveSmallIntegerField(
        _("digits"), default=0, validators=_between(0, 16)
    )
    min_special = models.PositiveSmallIntegerField(
        _("special characters"), default=0, validators=_between(0, 16)
    )
    block_common = models.BooleanField(_("block common passwords"), default=True)
    block_personal = models.BooleanField(
        _("block passwords containing the identifier or the user's names"),
        default=True,
    )
    history_count = models.PositiveSmallIntegerField(
        _("refuse the last N passwords"), default=0, validators=_between(0, 24)
    )
    expiry_days = models.PositiveSmallIntegerField(
        _("expire after N days"),
        default=0,
        validators=_between(0, 3650),
        help_text=_("0: never. NIST SP 800-63B advises against forced expiry."),
    )
    imported_hash_max_cost = models.PositiveSmallIntegerField(
        _("imported password hashes: most costly check"),
        default=4,
        db_default=4,
        validators=_between(1, 32),
        help_text=_(
            "1 to 32, in times the pool's own hash. Every sign-in attempt with a "
            "wrong password costs at most this much CPU; imports refuse costlier "
            "hashes, and a stored one above it is never checked (its user resets "
            "the password)."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("password policy")
        verbose_name_plural = _("password policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_length__gte=8, min_length__lte=64),
                name="identity_pools_passwordpolicy_min_length_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_length__gte=64, max_length__lte=1024),
                name="identity_pools_passwordpolicy_max_length_range",
            ),
            models.CheckConstraint(
                condition=models.Q(history_count__lte=24),
                name="identity_pools_passwordpolicy_history_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    imported_hash_max_cost__gte=1, imported_hash_max_cost__lte=32
                ),
                name="identity_pools_passwordpolicy_imported_hash_cost_range",
            ),
        ]

    def __str__(self) -> str:
        return f"password policy of {self.pool_id}"

    def rules(self) -> list[str]:
        """The rules in words, shown before anyone types a password."""
        rules = [
            message("password_rule.length", min=self.min_length, max=self.max_length)
        ]
        for count, key in (
            (self.min_uppercase, "password_rule.uppercase"),
            (self.min_lowercase, "password_rule.lowercase"),
            (self.min_digits, "password_rule.digits"),
            (self.min_special, "password_rule.special"),
        ):
            if count:
                rules.append(message(key, count=count))
        if self.block_common:
            rules.append(message("password_rule.common"))
        if self.block_personal:
            rules.append(message("password_rule.personal"))
        if self.history_count:
            rules.append(message("password_rule.history", count=self.history_count))
        return rules

    def describe(self) -> str:
        """The rules in one sentence, shown before anyone types a password."""
        return " ".join(self.rules())


# Sign-in codes live at most this long (NIST SP 800-63B: out-of-band secrets).
SIGN_IN_CODE_MINUTES = 10


class CodePurpose(models.TextChoices):
    """The purposes of one-time codes a pool's settings govern (the same values
    as the codes' own purposes, ``accounts.models.Code.Purpose``)."""

    INVITATION = "invitation", _("Invitation link")
    VERIFY_IDENTIFIER = "verify_identifier", _("Address verification")
    PASSWORD_RESET = "password_reset", _("Password reset")
    SIGN_IN = "sign_in", _("Sign-in code")
    PASSKEY_ENROLMENT = "passkey_enrolment", _("Passkey enrolment")


class CodePolicy(models.Model):
    """The pool's rules for one purpose of one-time codes (Settings → Verification
    codes). A purpose without a row uses ``policies.codes.DEFAULT_RULES``."""

    Purpose = CodePurpose

    id = models.BigAutoField(primary_key=True)
    pool = models.ForeignKey(
        POOL, on_delete=models.DB_CASCADE, related_name="code_policies"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=CodePurpose.choices)
    length = models.PositiveSmallIntegerField(
        _("digits"), default=6, validators=_between(6, 10)
    )
    lifetime_seconds = models.PositiveIntegerField(
        _("lifetime (seconds)"), validators=_between(60, 30 * 24 * 3600)
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("wrong tries allowed"), default=5, validators=_between(1, 20)
    )
    resend_seconds = models.PositiveIntegerField(
        _("seconds between sends"), default=60, validators=_between(0, 3600)
    )

    class Meta:
        verbose_name = _("code policy")
        verbose_name_plural = _("code policies")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "purpose"],
                name="identity_pools_codepolicy_pool_purpose_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=CodePurpose.values),
                name="identity_pools_codepolicy_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(length__gte=6, length__lte=10),
                name="identity_pools_codepolicy_length_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} codes of {self.pool_id}"

    def clean(self) -> None:
        super().clean()
        limit = SIGN_IN_CODE_MINUTES * 60
        if self.purpose == CodePurpose.SIGN_IN and self.lifetime_seconds > limit:
            raise ValidationError(
                {
                    "lifetime_seconds": ValidationError(
                        _("Sign-in codes last at most %(minutes)s minutes.")
                        % {"minutes": SIGN_IN_CODE_MINUTES},
                        code="max_value",
                    )
                }
            )


class SignInMethod(models.TextChoices):
    """Ways to prove who one is at sign-in (the first factor)."""

    PASSWORD = "password", _("Password")
    EMAIL_CODE = "email_code", _("Email code")
    SMS_CODE = "sms_code", _("SMS code")
    TOTP = "totp", _("Authenticator app")
    PASSKEY = "passkey", _("Passkey")


class SecondFactor(models.TextChoices):
    OFF = "off", _("Off")
    OPTIONAL = "optional", _("Optional: users who set one up are asked for it")
    REQUIRED = "required", _("Required: users without one must set one up")


# The methods that may count as a second factor, strongest first.
SECOND_FACTOR_METHODS = ("totp", "passkey", "email_code", "sms_code")


class SignInPolicy(models.Model):
    """The pool's sign-in rules (Settings → Sign-in). Brute-force protection: after
    ``lockout_failures`` failed sign-ins of one identifier, sign-in with it is
    blocked for ``lockout_first_seconds``, doubling with each further failure up to
    ``lockout_max_seconds``. A pool without a row uses these defaults."""

    pool = models.OneToOneField(
        POOL,
        on_delete=models.DB_CASCADE,
        primary_key=True,
        related_name="sign_in_policy",
    )
    lockout_failures = models.PositiveSmallIntegerField(
        _("failures before a block"), default=5, validators=_between(3, 100)
    )
    lockout_first_seconds = models.PositiveIntegerField(
        _("first block (seconds)"), default=60, validators=_between(1, 3600)
    )
    lockout_max_seconds = models.PositiveIntegerField(
        _("longest block (seconds)"), default=900, validators=_between(1, 86400)
    )
    self_service_reset = models.BooleanField(
        _("users can reset a forgotten password"),
        default=True,
        help_text=_("With a code sent to a verified email address or mobile number."),
    )
    self_service_delete = models.BooleanField(
        _("users can delete their account"),
        default=False,
        db_default=False,  # nodes of the release before fill it too
        help_text=_(
            "From their account page, after confirming it's them: their data, "
            "sessions and applications' tokens go at once."
        ),
    )

    # Settings → Sign-in methods.
    password_enabled = models.BooleanField(_("password"), default=True)
    email_code_enabled = models.BooleanField(
        _("email code"),
        default=False,
        help_text=_("A one-time code sent to the user's verified email address."),
    )
    sms_code_enabled = models.BooleanField(
        _("SMS code"),
        default=False,
        help_text=_("A one-time code sent to the user's verified mobile number."),
    )
    totp_enabled = models.BooleanField(
        _("authenticator app"),
        default=False,
        help_text=_("A code from an authenticator app the user has set up."),
    )
    passkey_enabled = models.BooleanField(
        _("passkey"),
        default=True,
        help_text=_("Also lets users register passkeys at sign-up and later."),
    )
    password_on_first_page = models.BooleanField(
        _("password on the first page"),
        default=False,
        db_default=False,  # nodes of the release before fill it too
        help_text=_(
            "Users type their email address or mobile number and their password "
            "on one page, in one step, as most sign-in forms have it (password "
            "managers fill both). Leaving the password empty goes on to the other "
            "methods. Off: the identifier first, then the preferred method."
        ),
    )
    preferred_method = models.CharField(
        _("preferred method"),
        max_length=16,
        choices=SignInMethod.choices,
        default=SignInMethod.PASSWORD,
        help_text=_("Offered first; the other enabled methods are alternatives."),
    )
    second_factor = models.CharField(
        _("second factor"),
        max_length=8,
        choices=SecondFactor.choices,
        default=SecondFactor.OPTIONAL,
    )
    mfa_totp = models.BooleanField(_("authenticator app"), default=True)
    mfa_passkey = models.BooleanField(_("passkey"), default=True)
    mfa_email_code = models.BooleanField(_("email code"), default=False)
    mfa_sms_code = models.BooleanField(_("SMS code"), default=False)
    remember_device_days = models.PositiveSmallIntegerField(
        _("remember this device (days)"),
        default=0,
        validators=_between(0, 365),
        help_text=_(
            "After a second factor, the browser is not asked again for this many "
            "days (0 = always ask)."
        ),
    )

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(preferred_method__in=SignInMethod.values),
                name="identity_pools_signinpolicy_preferred_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(second_factor__in=SecondFactor.values),
                name="identity_pools_signinpolicy_second_factor_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"sign-in policy of {self.pool_id}"

    def first_factors(self) -> list[str]:
        """The enabled sign-in methods, the preferred one first."""
        enabled = [
            method
            for method in SignInMethod.values
            if getattr(self, f"{method}_enabled")
        ]
        enabled.sort(key=lambda method: method != self.preferred_method)
        return enabled

    def passkeys_usable(self) -> bool:
        """Whether users may register passkeys: to sign in with, or as a second
        factor."""
        return self.passkey_enabled or "passkey" in self.second_factors()

    def second_factors(self) -> list[str]:
        """The methods that count as a second factor ([] when it is off)."""
        if self.second_factor == SecondFactor.OFF:
            return []
        return [m for m in SECOND_FACTOR_METHODS if getattr(self, f"mfa_{m}")]
