"""Messages of the OpenID provider: applications, identity providers, signing keys, tokens.

Part of the one catalogue: registered here when the app loads (its
``apps.py`` imports this module), read anywhere through ``core.catalogue``
(``message(key)``, ``error(key)``). Keys are stable codes; tests assert codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.catalogue import register

MESSAGES: dict[str, Any] = {
    "idp_pool_connected": _(
        "This pool is already connected as an identity provider of this "
        "workspace. Use the existing connection, or disconnect it first."
    ),
    "idp_name_invalid": _("Give the connection a name of 1 to 100 characters."),
    # --- applications: the workspace's OpenID Connect clients ------------------
    "application_name_taken": _(
        "This workspace already has an application of this name (in any letter "
        "case). Choose another name."
    ),
    "application_name_invalid": _(
        "Give the application a name of 1 to 100 characters."
    ),
    "application_kind_invalid": _(
        "Choose a type: web, spa (single-page), native or m2m (machine to machine)."
    ),
    "application_kind_fixed": _(
        "An application's type cannot change after it is created (its secret and "
        "grants depend on it). Create a new application of the other type instead."
    ),
    "application_uri_invalid.not_text": _("Each URI must be a text string."),
    "application_uri_invalid.too_long": _(
        "“%(uri)s…” is longer than %(max)s characters. Use a shorter URI."
    ),
    "application_uri_invalid.absolute": _(
        "“%(uri)s” is not an absolute URL. Write it in full, e.g. "
        "https://app.example.com/callback."
    ),
    "application_uri_invalid.https": _(
        "“%(uri)s” must use https (http is allowed only on 127.0.0.1, [::1] and "
        "localhost, for development)."
    ),
    "application_uri_invalid.fragment": _(
        "“%(uri)s” has a fragment (#…), which redirect URIs may not have. Remove it."
    ),
    "application_uri_invalid.userinfo": _(
        "“%(uri)s” contains a user name or password. Remove it."
    ),
    "application_uris_too_many": _("At most %(max)s URIs are allowed. Remove some."),
    "application_uris_required": _(
        "Enter at least one redirect URI: where users return after signing in."
    ),
    "application_uris_m2m": _(
        "Machine-to-machine applications sign no users in, so they have no redirect "
        "URIs. Leave this empty."
    ),
    "application_grants_invalid.empty": _("Choose at least one grant type."),
    "application_grants_invalid.unknown": _(
        "Choose grant types among authorization_code, refresh_token and "
        "client_credentials."
    ),
    "application_grants_invalid.m2m": _(
        "Machine-to-machine applications use the client_credentials grant only."
    ),
    "application_grants_invalid.public": _(
        "Single-page and native applications cannot keep a secret, so they cannot "
        "use client_credentials. Use authorization_code (with refresh_token)."
    ),
    "application_grants_invalid.web": _(
        "Web applications sign users in: include authorization_code."
    ),
    "application_scopes_invalid": _(
        "Choose scopes among openid, profile, email, phone and groups."
    ),
    "application_openid_required": _(
        "Applications that sign users in need the openid scope. Add it."
    ),
    "application_connections_required": _(
        "Choose at least one identity provider: the connected identity pool whose "
        "users sign in to this application (with several, they choose one)."
    ),
    "application_connections_required.none_connected": _(
        "This workspace has no identity provider yet, and its users need one to "
        "sign in. Connect an identity pool first (Identity providers → Connect "
        "identity pool), then choose it for this application."
    ),
    "application_connection_foreign": _(
        "This is not an identity provider of this workspace. Choose one of its "
        "connected identity pools."
    ),
    "application_grace_invalid": _(
        "Choose how long the old secret keeps working: 0 to 30 days."
    ),
    "application_no_secret": _(
        "Single-page and native applications have no client secret; they prove "
        "themselves with PKCE instead."
    ),
    # --- applications: ID tokens and custom claims --------------------------------
    "application_id_token_alg_invalid": _(
        "Choose ES256 or RS256 to sign ID tokens (ES256 unless the application's "
        "library needs RS256)."
    ),
    "application_claims_invalid.shape": _(
        "Give custom claims as a list of objects with a “claim” and a “source”, "
        'e.g. [{"claim": "department", "source": "user_data.department"}].'
    ),
    "application_claims_invalid.line": _(
        "Line %(line)s is not “claim = source”. Write one mapping a line, e.g. "
        "department = user_data.department."
    ),
    "application_claim_name_invalid": _(
        "“%(claim)s” is not a valid claim name. Start with a letter or _, then use "
        "up to 63 letters, digits and _ . : -, e.g. department."
    ),
    "application_claim_reserved": _(
        "“%(claim)s” is a claim the provider sets itself. Choose another name, "
        "e.g. app_%(claim)s."
    ),
    "application_claim_source_invalid": _(
        "“%(source)s” (for “%(claim)s”) is not a source. Use user_data.<name> or "
        "metadata.<name>: 1 to 5 names joined by dots, each 1 to 64 letters, "
        "digits, _ or -."
    ),
    "application_claims_too_many": _(
        "At most %(max)s custom claims are allowed (%(count)s given). Remove some."
    ),
    "application_claim_duplicate": _(
        "The claim “%(claim)s” is mapped twice. Keep one source for it."
    ),
    "application_claims_text": _("A custom claim"),
    # --- signing keys --------------------------------------------------------------
    "signing_key_rotate_unconfirmed": _(
        "Tick the box to confirm that you want to rotate the signing keys."
    ),
    # --- an application's sign-in: what the consent page says each scope allows -----
    "consent_scope.openid": _("Know who you are (your account's id)"),
    "consent_scope.profile": _("See your name and profile details"),
    "consent_scope.email": _("See your email address"),
    "consent_scope.phone": _("See your mobile number"),
    "consent_scope.address": _("See your postal address"),
    "consent_scope.groups": _("See the groups you belong to"),
    "consent_scope.offline_access": _("Keep access while you are signed out"),
}

register(MESSAGES)
