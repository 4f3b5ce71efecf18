"""Form shapes for workspace screens. Writes happen in workspaces.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from core.addresses import email_normalise
from core.catalogue import MESSAGES, error

from .applications import claim_mappings_parse
from .models import Application, Role, SigningKey


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


class IdpConnectForm(forms.Form):
    """Workspace → Identity providers → Connect identity pool."""

    pool = forms.ChoiceField(label=_("Identity pool"))
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        required=False,
        help_text=_(
            "Shown to users when an application offers several; the pool's name "
            "when left empty."
        ),
    )

    def __init__(self, *args, pools, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pools = {str(p.pk): p for p in pools}
        self.fields["pool"].choices = [
            (key, pool.name) for key, pool in self.pools.items()
        ]

    def clean_pool(self):
        return self.pools[self.cleaned_data["pool"]]


class UriListField(forms.CharField):
    """URIs one per line (blank lines ignored); the service checks each."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class ApplicationForm(forms.Form):
    """Workspace → Applications → Create application (shape only; the service
    checks the rules for the type). Connections are the workspace's."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=Application.Kind.choices,
        widget=forms.RadioSelect,
        initial=Application.Kind.WEB,
        help_text=_("Fixed once the application is created."),
    )
    redirect_uris = UriListField(
        label=_("Redirect URIs"),
        required=False,
        help_text=_(
            "One per line, matched exactly. https, or http on 127.0.0.1, [::1] "
            "and localhost. None for machine to machine."
        ),
    )
    post_logout_redirect_uris = UriListField(
        label=_("Post-logout redirect URIs"),
        required=False,
        help_text=_("One per line: where users may return after signing out."),
    )
    grant_types = forms.MultipleChoiceField(
        label=_("Grant types"),
        choices=Application.GrantType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Leave all unchecked for the type's default: authorization code and "
            "refresh token, or client credentials for machine to machine."
        ),
    )
    connections = forms.MultipleChoiceField(
        label=_("Identity providers"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "The connected identity pools its users sign in with. With more than "
            "one, the sign-in page lets the user choose. None for machine to machine."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Application.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["openid", "profile", "email"],
        help_text=_(
            "What it may ask for; openid is required to sign users in. With the "
            "refresh-token grant it may also ask for offline_access."
        ),
    )
    access_token_seconds = forms.IntegerField(
        label=_("Access-token lifetime (seconds)"),
        min_value=60,
        max_value=86_400,
        initial=3600,
    )
    refresh_token_days = forms.IntegerField(
        label=_("Refresh-token lifetime (days)"),
        min_value=1,
        max_value=365,
        initial=30,
    )
    rotate_refresh_tokens = forms.BooleanField(
        label=_("Rotate refresh tokens (each use returns a new one)"),
        required=False,
        initial=True,
    )
    require_consent = forms.BooleanField(label=_("Users must consent"), required=False)
    require_two_factors = forms.BooleanField(
        label=_("Users sign in with two factors"),
        required=False,
        help_text=_(
            "Someone signed in with one factor is asked for a second (or to set "
            "one up) first. The pools must count a second factor (Sign-in methods)."
        ),
    )
    pairwise_subject = forms.BooleanField(
        label=_("Pairwise subject (its own “sub” per user)"), required=False
    )
    id_token_alg = forms.ChoiceField(
        label=_("ID-token signing algorithm"),
        choices=[("ES256", "ES256"), ("RS256", "RS256")],
        initial="ES256",
        required=False,
        help_text=_("ES256 unless the application's library needs RS256."),
    )
    claim_mappings = forms.CharField(
        label=_("Custom claims"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "Extra claims in this application's tokens, one a line: claim = "
            "source, e.g. department = user_data.department. Sources are "
            "user_data.<name> (the user's profile) or metadata.<name> (operator-only "
            "data); at most 50."
        ),
    )

    def __init__(self, *args, connections, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connection_objects = {str(c.pk): c for c in connections}
        self.fields["connections"].choices = [
            (key, f"{c.display_name} ({c.pool.name})")
            for key, c in self.connection_objects.items()
        ]
        if len(self.connection_objects) == 1:
            # The only identity provider is the one to sign in with: ticked,
            # so a first "Create application" does not fail for want of it.
            self.fields["connections"].initial = list(self.connection_objects)

    def clean_connections(self):
        return [
            self.connection_objects[key] for key in self.cleaned_data["connections"]
        ]

    def clean_claim_mappings(self) -> list[dict]:
        return claim_mappings_parse(self.cleaned_data["claim_mappings"])

    def service_fields(self) -> dict:
        """The cleaned data as the service's keyword arguments."""
        data = dict(self.cleaned_data)
        data["refresh_token_seconds"] = data.pop("refresh_token_days") * 86_400
        if not data["grant_types"]:
            data.pop("grant_types")
        if data.get("kind") == Application.Kind.M2M:
            data["connections"] = []  # no users to sign in (even if ticked)
        # Not sent (not left empty): a new application's default, an existing
        # one's current value.
        if not data["id_token_alg"]:
            data.pop("id_token_alg")
        if self.add_prefix("claim_mappings") not in self.data:
            data.pop("claim_mappings")
        return data


class ApplicationUpdateForm(ApplicationForm):
    """An application's settings: everything but its type."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class ApplicationRotateSecretForm(forms.Form):
    grace_days = forms.TypedChoiceField(
        label=_("The current secret keeps working for"),
        coerce=int,
        choices=[
            (0, _("No time: it stops working now")),
            (1, _("1 day")),
            (7, _("7 days")),
            (14, _("14 days")),
            (30, _("30 days")),
        ],
        initial=7,
        help_text=_("Time to put the new secret everywhere the old one is used."),
    )


class SigningKeyRotateForm(forms.Form):
    """Workspace → Signing keys → Rotate keys (the service does the rest)."""

    alg = forms.ChoiceField(
        label=_("Algorithm"),
        choices=SigningKey.Alg.choices,
        initial=SigningKey.Alg.ES256,
        help_text=_(
            "The keys of this algorithm rotate; those of the other stay as they are. "
            "ES256 signs ID tokens unless an application asks for RS256."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "Yes: the next key starts signing, the active key is retired but stays "
            "published until the tokens it signed have expired, and a new next key "
            "is published"
        ),
        required=False,
    )

    def clean_confirm(self) -> bool:
        if not self.cleaned_data["confirm"]:
            raise error("signing_key_rotate_unconfirmed")
        return True
