"""Forms of the console's actions on a pool user's sign-in (shape only; the
services check)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.catalogue import error
from identity_pools.models import IdentityPool
from identity_pools.policies.passwords import password_policy_for


class SetPasswordForm(forms.Form):
    """An operator sets or resets a user's password."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    must_change = forms.BooleanField(
        label=_("User must change password at next sign-in"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, pool: IdentityPool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_policy_for(pool).describe()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get(
            "password2"
        ):
            self.add_error("password2", error("password_mismatch"))
        return cleaned
