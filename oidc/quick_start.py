"""What an application's console page tells whoever wires it up: the
workspace's provider (issuer, discovery URL, endpoints) exactly as its
discovery document says, and the values the page's quick start fills in.
Reads only; the caller has resolved the application through its workspace."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Application
from .views import discovery_document, provider_url

# The discovery document's endpoints, in the order a developer needs them;
# True: only applications that sign users in use it.
ENDPOINTS = (
    ("authorization_endpoint", _("Authorization endpoint"), True),
    ("token_endpoint", _("Token endpoint"), False),
    ("userinfo_endpoint", _("Userinfo endpoint"), True),
    ("jwks_uri", _("JWKS (public signing keys)"), False),
    ("end_session_endpoint", _("End-session (logout) endpoint"), True),
    ("revocation_endpoint", _("Revocation endpoint"), False),
    ("introspection_endpoint", _("Introspection endpoint"), False),
)
# Shown in a snippet when the application has no redirect URI (machine to
# machine) or the operator has not entered one yet.
PLACEHOLDER_REDIRECT = "https://app.example.com/callback"


def application_quick_start(application: Application) -> dict:
    """The provider's addresses for ``application``'s page: ``rows`` (label,
    key, address) to list, and each address by its discovery key (plus
    ``discovery_url``) for the quick start, with the application's first
    redirect URI and its scopes."""
    workspace = application.workspace
    document = discovery_document(workspace)
    signs_users_in = application.kind != Application.Kind.M2M
    facts = {
        "issuer": document["issuer"],
        "discovery_url": provider_url(workspace, "discovery"),
    }
    rows = [
        (_("Issuer"), "issuer", facts["issuer"]),
        (_("Discovery URL"), "discovery_url", facts["discovery_url"]),
    ]
    for key, label, for_users in ENDPOINTS:
        facts[key] = document[key]
        if signs_users_in or not for_users:
            rows.append((label, key, document[key]))
    return {
        **facts,
        "rows": rows,
        "redirect_uri": (application.redirect_uris or [PLACEHOLDER_REDIRECT])[0],
        "scope": " ".join(application.scopes) or "openid",
    }
