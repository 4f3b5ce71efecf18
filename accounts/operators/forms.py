"""Forms for operators' sign-in, second factor and password."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from core.addresses import email_normalise
from core.catalogue import error

from .services import operator_password_confirm


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        """The stored form of the address when it has one (a domain typed in
        punycode or another case finds the account); else as typed, so that a
        malformed address fails like a wrong password."""
        email = self.cleaned_data["email"]
        try:
            return email_normalise(email)
        except forms.ValidationError:
            return email


class OTPCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Authentication code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        help_text=_("The 6-digit code your authenticator app shows now."),
        error_messages={
            "invalid": _(
                "Enter the 6 digits your authenticator app shows, e.g. 123456."
            )
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class CurrentPasswordMixin:
    """Checks the signed-in operator's current password through
    ``services.operator_password_confirm``: wrong passwords count against the
    account's sign-in failure limit. ``rate_limited`` says the limit is reached."""

    current_password_field = "password"
    current_password_where = ""

    def __init__(self, *args, ip: str | None = None, **kwargs) -> None:
        self.ip = ip
        super().__init__(*args, **kwargs)

    def _confirm_current_password(self) -> str:
        password = self.cleaned_data[self.current_password_field]
        operator_password_confirm(
            operator=self.user,
            password=password,
            ip=self.ip,
            where=self.current_password_where,
        )
        return password

    @property
    def rate_limited(self) -> bool:
        return any(
            error.code == "rate_limited"
            for error in self.errors.as_data().get(self.current_password_field, [])
        )


class TOTPDisableForm(CurrentPasswordMixin, forms.Form):
    current_password_where = "two_factor_disable"

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        return self._confirm_current_password()


class PasswordChangeForm(CurrentPasswordMixin, DjangoPasswordChangeForm):
    """Django's form (current password, then the new one twice) with our labels;
    the current password is checked under the sign-in limits."""

    current_password_field = "old_password"
    current_password_where = "password_change"

    def clean_old_password(self) -> str:
        return self._confirm_current_password()


class InvitationAcceptForm(forms.Form):
    """Choose a password for a new operator account created from an invitation."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 15 characters. Not a common password."),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", error("password_mismatch"))
        if p1:
            try:
                validate_password(p1, get_user_model()(email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
