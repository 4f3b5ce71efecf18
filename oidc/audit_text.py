"""The OpenID provider's audit events as sentences: applications, identity
providers, signing keys, tokens (registered with ``core.audit_text`` as the
app loads)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.audit_text import Kind, Ref, Target, register

from .models import Application, IdpConnection, SigningKey


def _applications(workspace, ids) -> dict:
    apps = Application.objects.filter(workspace=workspace, pk__in=ids).only(
        "id", "name"
    )
    return {
        app.pk: (
            Ref(
                app.name,
                reverse(
                    "oidc_console:application_detail", args=[workspace.slug, app.pk]
                ),
            ),
            None,
        )
        for app in apps
    }


def _connections(workspace, ids) -> dict:
    url = reverse("oidc_console:idp_connection_list", args=[workspace.slug])
    connections = IdpConnection.objects.filter(
        workspace=workspace, pk__in=ids
    ).select_related("pool")
    found = {}
    for conn in connections:
        pool = Ref(
            conn.pool.name,
            reverse("identity_pools:pool_detail", args=[workspace.slug, conn.pool_id]),
        )
        found[conn.pk] = (Ref(conn.display_name or conn.pool.name, url), pool)
    return found


def _signing_keys(workspace, ids) -> dict:
    url = reverse("oidc_console:signing_key_list", args=[workspace.slug])
    keys = SigningKey.objects.filter(workspace=workspace, pk__in=ids).only("id", "kid")
    return {key.pk: (Ref(key.kid, url), None) for key in keys}


register(
    sentences={
        "application.created": "{actor} created the application {target}",
        "application.updated": "{actor} changed the application {target}",
        "application.secret_rotated": "{actor} rotated the secret of {target}",
        "application.deleted": "{actor} deleted the application {target}",
        "idp.connected": "{actor} connected {pool} as an identity provider",
        "idp.disconnected": "{actor} disconnected {pool} as an identity provider",
        "signing_key.rotated": "{actor} rotated the signing keys",
        "oauth.token_issued": "{actor} issued tokens to {target}",
        "oauth.token_refused": "{actor} was refused a token",
        "oauth.token_revoked": "{actor} revoked a token of {target}",
        "oauth.tokens_revoked": "{actor} revoked the tokens {application} holds for "
        "{target}",
        "oauth.family_revoked": "{actor} revoked a reused token's family",
    },
    kinds=[
        Kind(
            "applications",
            _("Applications and tokens"),
            ("application.", "oauth.", "idp.", "signing_key."),
            50,
        )
    ],
    labels={
        "scopes": "Scopes",
        "scope": "Scope",
        "grant": "Grant",
        "grace_days": "Old secret works for (days)",
        "client_id": "Client ID",
        "alg": "Algorithm",
        "activated": "Active key",
        "retired": "Retired key",
        "next": "Next key",
        "deleted": "Keys deleted",
        "keep_seconds": "Kept for (seconds)",
        "revoked": "Tokens revoked",
        "application": "Application",
    },
    label_order=4,
    values={
        "authorization_code": "authorization code",
        "refresh_token": "refresh token",
        "client_credentials": "client credentials",
        "access_token": "access token",
    },
    raw=(
        "application",
        "client_id",
        "scope",
        "scopes",
        "grant",
        "activated",
        "retired",
        "next",
    ),
    targets=[
        Target(
            "oidc.application",
            "application",
            _applications,
            actor_type="application",
        ),
        Target("oidc.idpconnection", "identity provider", _connections),
        Target("oidc.signingkey", "signing key", _signing_keys),
    ],
)
