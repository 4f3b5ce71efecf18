"""An application's "Try it": a real code + PKCE sign-in through the hosted
pages; the console shows the ID token and userinfo, and revokes the tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from oidc.models import OAuthToken
from tests.oidc.oidc_helpers import make_user, setup_provider, sign_in

pytestmark = pytest.mark.django_db


def try_urls(workspace, application):
    return (
        reverse("oidc_console:application_try", args=[workspace.slug, application.pk]),
        reverse(
            "oidc_console:application_try_callback",
            args=[workspace.slug, application.pk],
        ),
    )


def test_try_it_shows_what_the_application_receives(owner_client, workspace):
    pool, application, _ = setup_provider(workspace, kind="web")
    make_user(pool)
    start, callback = try_urls(workspace, application)
    page = owner_client.get(
        reverse(
            "oidc_console:application_detail", args=[workspace.slug, application.pk]
        )
    )
    assert "Try it" in page.content.decode()
    response = owner_client.post(start)
    authorize = response["Location"]
    assert "prompt=login" in authorize and "code_challenge=" in authorize
    response = owner_client.get(authorize)
    assert "/signin/" in response["Location"]
    response = sign_in(owner_client, pool)
    for _ in range(5):
        if callback in response["Location"]:
            break
        response = owner_client.get(response["Location"])
    assert callback in response["Location"]
    result = owner_client.get(response["Location"])
    body = result.content.decode()
    assert result.status_code == 200, body
    assert "ann@example.com" in body and "&quot;alg&quot;: &quot;ES256&quot;" in body
    assert "matches the request" in body
    assert OAuthToken.objects.get().revoked_at is not None
    # The callback cannot be replayed (the try is used up).
    again = owner_client.get(response["Location"])
    assert "expired" in again.content.decode()


def test_try_it_is_for_admins_and_not_for_machines(owner_client, workspace, member_of):
    from django.test import Client

    from workspaces.models import Role

    _pool, application, _ = setup_provider(workspace, kind="web")
    client = Client()
    client.force_login(member_of(workspace, Role.VIEWER))
    start, callback = try_urls(workspace, application)
    assert client.post(start).status_code == 403
    assert client.get(callback).status_code == 403
    _, m2m, _ = setup_provider(workspace, kind="m2m", redirect_uris=[])
    page = owner_client.get(
        reverse("oidc_console:application_detail", args=[workspace.slug, m2m.pk])
    )
    assert "Try it" not in page.content.decode()


def test_a_foreign_state_is_refused(owner_client, workspace):
    _pool, application, _ = setup_provider(workspace, kind="spa")
    _, callback = try_urls(workspace, application)
    response = owner_client.get(callback, {"code": "x", "state": "forged"})
    assert "expired or was started elsewhere" in response.content.decode()


def test_the_token_endpoint_knows_only_the_applications_methods(client, workspace):
    """ "Try it" is the console's, outside the token server: the provider the
    token endpoint runs accepts the client authentication methods discovery
    advertises, no other (the try's own method is its own provider's)."""
    from oidc.server import Provider
    from oidc.try_it import CONSOLE_METHOD, TryItProvider

    discovery = client.get(reverse("oidc:discovery", args=[workspace.slug])).json()
    advertised = set(discovery["token_endpoint_auth_methods_supported"])
    production = Provider(workspace, body_only=True)
    for grant, _extensions in production._token_grants:
        assert set(grant.TOKEN_ENDPOINT_AUTH_METHODS) <= advertised, grant
    _pool, application, _ = setup_provider(workspace, kind="web")
    console = TryItProvider(workspace, application=application)
    [(grant, _extensions)] = console._token_grants
    assert grant.TOKEN_ENDPOINT_AUTH_METHODS == [CONSOLE_METHOD]
