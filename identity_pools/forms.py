"""Form shapes for pool, user and group screens. Writes happen in the services."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.catalogue import error, message

from .identifiers import identifier_parse
from .models import (
    CodePurpose,
    IdentityPool,
    PasswordPolicy,
    PoolUser,
    SignInPolicy,
    UserSchema,
)
from .policies.models import SIGN_IN_CODE_MINUTES
from .policies.passwords import password_policy_for, pool_password_check
from .policies.services import METHOD_FIELDS, POLICY_FIELDS, SIGN_IN_FIELDS
from .services.users import MODE_CREDENTIALS, MODE_INVITE
from .user_schemas.forms import DATA_PREFIX, SchemaDataFormMixin


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Pool name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=1000, required=False, widget=forms.Textarea
    )


class PoolSignUpForm(forms.Form):
    self_registration_enabled = forms.BooleanField(
        label=_("Allow self-registration"),
        required=False,
        help_text=_("Visitors can create their own account on the sign-up page."),
    )
    signup_with_email = forms.BooleanField(
        label=_("Sign up with an email address"), required=False
    )
    signup_with_phone = forms.BooleanField(
        label=_("Sign up with a mobile number"), required=False
    )
    post_registration_url = forms.URLField(
        label=_("After registration, go to"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Where users go after registering, e.g. your application's sign-in page. "
            "Empty: a page that says they are all set."
        ),
    )


class PasswordPolicyForm(forms.ModelForm):
    """Settings → Password policy (shape only; the service validates and saves)."""

    class Meta:
        model = PasswordPolicy
        fields = list(POLICY_FIELDS)
        help_texts = {
            "min_length": _(
                "8 to 64. NIST SP 800-63B asks for at least 15 when the password is "
                "used alone."
            ),
            "max_length": _("64 to 1,024."),
            "min_uppercase": _(
                "0 to 16 each. NIST SP 800-63B advises against composition rules: "
                "length protects better."
            ),
            "block_common": _(
                "Refuses passwords on a list of the most common and breached ones."
            ),
            "history_count": _("0 to 24; 0 allows reusing any earlier password."),
            "imported_hash_max_cost": _(
                "For users imported with another system's password hash (bcrypt, "
                "PBKDF2, scrypt, …), kept until their first sign-in: the most one "
                "check may cost, in times this pool's own hash (Argon2id), 1 to 32. "
                "A wrong password costs that much CPU at every attempt, and every "
                "sign-in of the pool takes as long as its costliest imported hash, "
                "so that no answer tells imported accounts apart. Imports refuse "
                "costlier hashes; a stored one above it is never checked: its user "
                "sets a new password with “Forgot password?”. 4 admits bcrypt up to "
                "cost 10 and PBKDF2-SHA256 up to 330,000 iterations; bcrypt at cost "
                "12 needs 12, Django's Argon2 defaults 9, and Django's PBKDF2 at "
                "1,000,000 iterations 12."
            ),
        }


class CodeRulesForm(forms.Form):
    """Settings → Verification codes: one row of fields per purpose. Lifetimes are
    in minutes (in days for invitation links); invitation links are 256-bit tokens,
    so they have no digits or tries."""

    def __init__(self, *args, policies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for policy in policies:
            invitation = policy.purpose == CodePurpose.INVITATION
            prefix = policy.purpose
            names = []
            if not invitation:
                self.fields[f"{prefix}__length"] = forms.IntegerField(
                    label=_("Digits"), min_value=6, max_value=10, initial=policy.length
                )
                names.append(f"{prefix}__length")
            unit = 24 * 3600 if invitation else 60
            self.fields[f"{prefix}__lifetime"] = forms.IntegerField(
                label=_("Lifetime (days)") if invitation else _("Lifetime (minutes)"),
                min_value=1,
                max_value=(
                    30
                    if invitation
                    else SIGN_IN_CODE_MINUTES
                    if policy.purpose == CodePurpose.SIGN_IN
                    else 24 * 60
                ),
                initial=policy.lifetime_seconds // unit,
            )
            names.append(f"{prefix}__lifetime")
            if not invitation:
                self.fields[f"{prefix}__max_attempts"] = forms.IntegerField(
                    label=_("Wrong tries"),
                    min_value=1,
                    max_value=20,
                    initial=policy.max_attempts,
                )
                names.append(f"{prefix}__max_attempts")
            self.fields[f"{prefix}__resend_seconds"] = forms.IntegerField(
                label=_("Seconds between sends"),
                min_value=0,
                max_value=3600,
                initial=policy.resend_seconds,
            )
            names.append(f"{prefix}__resend_seconds")
            self.rows.append(
                (policy.get_purpose_display(), [self[name] for name in names], unit)
            )

    def values(self) -> dict[str, dict]:
        """The cleaned values by purpose, lifetimes in seconds."""
        values: dict[str, dict] = {}
        for name, value in self.cleaned_data.items():
            purpose, field = name.split("__", 1)
            unit = 24 * 3600 if purpose == CodePurpose.INVITATION else 60
            if field == "lifetime":
                field, value = "lifetime_seconds", value * unit
            values.setdefault(purpose, {})[field] = value
        return values


class SignInPolicyForm(forms.ModelForm):
    """Settings → Sign-in (shape only; the service validates and saves)."""

    class Meta:
        model = SignInPolicy
        fields = list(SIGN_IN_FIELDS)
        help_texts = {
            "lockout_failures": _(
                "3 to 100 failed sign-ins of one email address or mobile number "
                "(known or not) before sign-in with it is blocked."
            ),
            "lockout_first_seconds": _(
                "The first block; each further failure doubles it."
            ),
            "lockout_max_seconds": _("The longest a block grows to."),
        }


class SignInMethodsForm(forms.ModelForm):
    """Settings → Sign-in methods (shape only; the service checks the
    combination)."""

    FIRST = (
        "password_enabled",
        "password_on_first_page",
        "email_code_enabled",
        "sms_code_enabled",
        "totp_enabled",
        "passkey_enabled",
        "preferred_method",
    )
    SECOND = ("mfa_totp", "mfa_passkey", "mfa_email_code", "mfa_sms_code")

    class Meta:
        model = SignInPolicy
        fields = list(METHOD_FIELDS)
        widgets = {"second_factor": forms.RadioSelect}

    def first_fields(self):
        return [self[name] for name in self.FIRST]

    def second_fields(self):
        return [self[name] for name in self.SECOND]


class PoolDeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Pool name"), max_length=100)


class PoolUserCreateForm(SchemaDataFormMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Email/Mobile"),
        max_length=254,
        help_text=_(
            "User identifier for login: an email address, or a mobile number with its "
            "country code, e.g. +44 7911 123456."
        ),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[
            (MODE_INVITE, _("Send invitation – Sends a link for user registration")),
            (
                MODE_CREDENTIALS,
                _("Set credentials – Admin sets a password for the user"),
            ),
        ],
        initial=MODE_INVITE,
        widget=forms.RadioSelect,
        help_text=_("Choose how to set user credentials."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        required=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        required=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    must_change_password = forms.BooleanField(
        label=_("User must change password at first sign-in"), required=False
    )

    def __init__(self, *args, pool: IdentityPool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool
        self.policy = password_policy_for(pool)
        self.fields["password1"].help_text = self.policy.describe()
        self.add_schema_fields(pool.user_schema.document, DATA_PREFIX, None)
        # Order: identifier, user data, then mode and credentials (as in the guide).
        order = ["identifier", *self.schema_fields, "mode", "password1", "password2"]
        self.order_fields([*order, "must_change_password"])

    def clean_identifier(self) -> str:
        raw = self.cleaned_data["identifier"]
        self.parsed_identifier = identifier_parse(raw)
        return raw

    def clean(self):
        cleaned = super().clean()
        cleaned["user_data"] = self.clean_schema_data()
        if cleaned.get("mode") == MODE_CREDENTIALS:
            p1, p2 = cleaned.get("password1"), cleaned.get("password2")
            if not p1:
                self.add_error(
                    "password1",
                    ValidationError(message("password_required"), code="required"),
                )
            elif p1 != p2:
                self.add_error(
                    "password2",
                    ValidationError(
                        message("password_mismatch"), code="password_mismatch"
                    ),
                )
            else:
                identifiers = (
                    [self.parsed_identifier.value]
                    if hasattr(self, "parsed_identifier")
                    else []
                )
                try:
                    pool_password_check(
                        pool=self.pool,
                        password=p1,
                        identifiers=identifiers,
                        user_data=cleaned.get("user_data"),
                    )
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return cleaned


class IdentifierAddForm(forms.Form):
    identifier = forms.CharField(
        label=_("Email/Mobile"),
        max_length=254,
        help_text=_(
            "Another email address, or a mobile number such as +44 7911 123456."
        ),
    )

    def clean_identifier(self) -> str:
        raw = self.cleaned_data["identifier"]
        identifier_parse(raw)
        return raw


class UserStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (PoolUser.Status.ACTIVE, _("Activate")),
            (PoolUser.Status.INACTIVE, _("Deactivate")),
        ]
    )


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=1000, required=False, widget=forms.Textarea
    )


class UserIdsField(forms.Field):
    """A list of user ids from checkboxes named ``users``."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        ids = []
        for raw in value:
            try:
                ids.append(uuid.UUID(str(raw)))
            except ValueError as exc:
                raise error("user_id_invalid", value=raw) from exc
        return ids


class UserSelectionForm(forms.Form):
    users = UserIdsField(
        label=_("Users"),
        error_messages={"required": message("no_users_chosen")},
    )


class UserGroupAddForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=None, empty_label=_("Choose a group")
    )

    def __init__(
        self, *args, pool: IdentityPool, pool_user: PoolUser | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        groups = pool.groups.order_by("name")
        if pool_user is not None:
            # Offer only the groups the user is not in yet.
            groups = groups.exclude(memberships__user=pool_user)
        self.fields["group"].queryset = groups


class PoolSchemasForm(forms.Form):
    user_schema = forms.ModelChoiceField(
        label=_("User data schema"),
        queryset=None,
        empty_label=None,
        help_text=_("The user data every user of this pool must satisfy."),
    )
    metadata_schema = forms.ModelChoiceField(
        label=_("Metadata schema"),
        queryset=None,
        empty_label=None,
        help_text=_("Operator-only data kept with each user."),
    )
    confirm = forms.BooleanField(
        label=_(
            "Change anyway: I understand some existing users do not satisfy the new schema"
        ),
        required=False,
    )

    def __init__(self, *args, pool: IdentityPool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "Change anyway" appears only once a change was refused for breaking
        # users (``offer_confirm``), or when the operator has just ticked it.
        self._confirm_field = self.fields["confirm"]
        if not self.data.get(self.add_prefix("confirm")):
            del self.fields["confirm"]
        schemas = UserSchema.objects.for_workspace(pool.workspace).order_by("name")
        self.fields["user_schema"].queryset = schemas.filter(
            kind=UserSchema.Kind.USER_DATA
        )
        self.fields["metadata_schema"].queryset = schemas.filter(
            kind=UserSchema.Kind.METADATA
        )

    def offer_confirm(self) -> None:
        """Show "Change anyway" (unticked) after a refused change."""
        self.fields["confirm"] = self._confirm_field
