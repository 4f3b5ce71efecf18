"""Form shapes for workspace screens. Writes happen in workspaces.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.addresses import email_normalise
from core.catalogue import MESSAGES

from .models import ApiToken, Role


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=50,
        help_text=_(
            "Appears in URLs: lowercase letters, digits and hyphens, e.g. acme-retail."
        ),
    )
    description = forms.CharField(
        label=_("Description"), max_length=1000, required=False, widget=forms.Textarea
    )

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()


class WorkspaceUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=1000, required=False, widget=forms.Textarea
    )


class AuditRetentionForm(forms.Form):
    """How long the workspace keeps its activity (empty: forever)."""

    audit_retention_days = forms.IntegerField(
        label=_("Keep activity for (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        error_messages={
            "invalid": MESSAGES["audit_retention_range"],
            "min_value": MESSAGES["audit_retention_range"],
            "max_value": MESSAGES["audit_retention_range"],
        },
        help_text=_(
            "1 to 3650 days. Older activity is deleted by manage.py purge_audit "
            "(run it daily, e.g. from cron). Empty: keep activity forever."
        ),
    )


class MemberInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_(
            "They get an invitation link by email and join when they accept it, "
            "signing in to their operator account or creating one."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    def clean_email(self) -> str:
        return email_normalise(self.cleaned_data["email"])


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiTokenCreateForm(forms.Form):
    """Workspace → API tokens → Create token (shape only; the service checks)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “Migration from the old system”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Leave empty for a token that works until it is revoked."),
    )
