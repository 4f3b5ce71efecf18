"""Forms of the hosted pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.catalogue import error
from identity_pools.policies.passwords import password_policy_for, pool_password_check
from identity_pools.user_schemas.editable import asked_at_sign_up
from identity_pools.user_schemas.fields import schema_subset
from identity_pools.user_schemas.forms import DATA_PREFIX, SchemaDataFormMixin


class NewPasswordFormMixin:
    """ "Choose a password" twice, checked against the pool's policy (whose rules
    the page shows up front, ``self.policy``)."""

    def add_password_fields(self, pool) -> None:
        self.pool = pool
        self.policy = password_policy_for(pool)
        self.fields["password1"] = forms.CharField(
            label=_("Choose a password"),
            strip=False,
            max_length=1024,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=self.policy.describe(),
        )
        self.fields["password2"] = forms.CharField(
            label=_("Type it again"),
            strip=False,
            max_length=1024,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        )

    def clean_password_match(self) -> bool:
        """Whether a password was typed twice alike (an error on "password2" when
        the two differ)."""
        p1 = self.cleaned_data.get("password1")
        if p1 and p1 != self.cleaned_data.get("password2"):
            self.add_error("password2", error("password_mismatch"))
            return False
        return bool(p1)

    def clean_new_password(self, *, identifiers: list[str], user_data: dict) -> None:
        if not self.clean_password_match():
            return
        p1 = self.cleaned_data["password1"]
        try:
            pool_password_check(
                pool=self.pool,
                password=p1,
                identifiers=identifiers,
                user_data=user_data,
            )
        except ValidationError as exc:
            self.add_error("password1", exc)


class InvitationRegisterForm(NewPasswordFormMixin, SchemaDataFormMixin, forms.Form):
    """A password, and the required user data the operator left empty (of the
    fields users fill in: ``user_schemas.editable``)."""

    def __init__(self, *args, code, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = code.user
        pool = self.user.pool
        document = pool.user_schema.document
        missing = [
            name
            for name in asked_at_sign_up(document)
            if name not in self.user.user_data
        ]
        self.add_schema_fields(schema_subset(document, missing), DATA_PREFIX, None)
        self.add_password_fields(pool)
        self.identifiers = [code.identifier.value] if code.identifier else []

    def clean(self):
        cleaned = super().clean()
        cleaned["user_data"] = self.clean_schema_data()
        self.clean_new_password(
            identifiers=self.identifiers,
            user_data={**self.user.user_data, **cleaned["user_data"]},
        )
        return cleaned


class SignUpForm(NewPasswordFormMixin, SchemaDataFormMixin, forms.Form):
    """Email/Mobile, the user data the schema requires of its users (never a
    field only operators fill in: ``user_schemas.editable``), and a password."""

    identifier = forms.CharField(
        label=_("Email/Mobile"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )

    def __init__(self, *args, pool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        document = pool.user_schema.document
        self.add_schema_fields(
            schema_subset(document, asked_at_sign_up(document)), DATA_PREFIX, None
        )
        self.add_password_fields(pool)
        kinds = [
            word
            for word, allowed in (
                (_("an email address"), pool.signup_with_email),
                (
                    _("a mobile number with its country code, e.g. +44 7911 123456"),
                    pool.signup_with_phone,
                ),
            )
            if allowed
        ]
        self.fields["identifier"].help_text = _("Sign up with %s.") % _(" or ").join(
            str(k) for k in kinds
        )

    def clean(self):
        cleaned = super().clean()
        cleaned["user_data"] = self.clean_schema_data()
        identifier = (cleaned.get("identifier") or "").strip()
        self.clean_new_password(
            identifiers=[identifier.lower()] if identifier else [],
            user_data=cleaned["user_data"],
        )
        return cleaned


def code_field() -> forms.RegexField:
    """The field of a numeric code from a message or an app."""
    return forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6,10}\s*$",
        max_length=16,
        error_messages={"invalid": _("Enter the digits of the code, e.g. 123456.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class CodeForm(forms.Form):
    code = code_field()


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=_("Email/Mobile"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username webauthn", "autofocus": True}
        ),
    )


class AccountIdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=_("Email address or mobile number"),
        max_length=254,
        help_text=_("A mobile number in international form, e.g. +44 7911 123456."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def current_password_field(**kwargs) -> forms.CharField:
    """The field a user types their password into to sign in."""
    attrs = {"autocomplete": "current-password"}
    if kwargs.pop("autofocus", False):
        attrs["autofocus"] = True
    kwargs.setdefault("label", _("Password"))
    return forms.CharField(
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs=attrs),
        **kwargs,
    )


class AccountConfirmForm(forms.Form):
    current_password = current_password_field(label=_("Your password"), autofocus=True)


class SignInForm(IdentifierForm):
    """The first sign-in page with the password on it (the pool's
    ``password_on_first_page``); empty, the sign-in goes on to the other
    methods."""

    password = current_password_field(required=False)


class PasswordForm(forms.Form):
    password = current_password_field(autofocus=True)


class NewPasswordForm(NewPasswordFormMixin, forms.Form):
    def __init__(self, *args, pool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_password_fields(pool)

    def clean(self):
        cleaned = super().clean()
        self.clean_password_match()
        return cleaned


class AccountPasswordForm(NewPasswordForm):
    """The current password, then the new one twice."""

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResetForm(NewPasswordForm):
    identifier = forms.CharField(
        label=_("Email/Mobile"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    code = code_field()


class SecondFactorForm(forms.Form):
    """A code from an app, a message or the recovery sheet; "remember this
    device" when the pool allows it (``remember_days``)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True}
        ),
    )
    remember = forms.BooleanField(required=False)

    def __init__(self, *args, remember_days: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if remember_days:
            self.fields["remember"].label = _(
                "Don't ask again on this device for %(days)s days"
            ) % {"days": remember_days}
        else:
            del self.fields["remember"]
