"""What relying-party libraries expect of the provider beyond the sign-in
itself: request objects refused the way OpenID Connect says (the provider does
not support them), a missing response type as invalid_request, nonces a
client repeats, RFC 8414 metadata and RFC 9207's ``iss`` in every
authorization response."""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata, get_well_known_url
from django.urls import reverse

from .oidc_helpers import (
    REDIRECT,
    authorize_url,
    callback_params,
    exchange,
    get_code,
    make_user,
    verify_id_token,
)

pytestmark = pytest.mark.django_db

REQUEST_OBJECT = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9."


@pytest.mark.parametrize(
    "name, value, error",
    [
        ("request", REQUEST_OBJECT, "request_not_supported"),
        (
            "request_uri",
            "https://app.example.com/request.jwt",
            "request_uri_not_supported",
        ),
        (
            "request_uri",
            "urn:ietf:params:oauth:request_uri:abc",
            "request_uri_not_supported",
        ),
    ],
)
def test_request_objects_are_refused_at_the_redirect_uri(
    client, workspace, web, name, value, error
):
    _, application, _ = web
    response = client.get(authorize_url(workspace, application, **{name: value}))
    assert response["Location"].startswith(REDIRECT)
    answer = callback_params(response["Location"])
    assert (answer["error"], answer["state"]) == (error, "st-1")


def test_a_request_object_with_an_unknown_redirect_uri_gets_the_error_page(
    client, workspace, web
):
    _, application, _ = web
    response = client.get(
        authorize_url(
            workspace,
            application,
            request=REQUEST_OBJECT,
            redirect_uri="https://evil.example.com/callback",
        )
    )
    assert response.status_code == 400 and "Location" not in response


@pytest.mark.parametrize("response_type", [None, ""])
def test_a_missing_response_type_is_an_invalid_request(
    client, workspace, web, response_type
):
    _, application, _ = web
    response = client.get(
        authorize_url(workspace, application, response_type=response_type)
    )
    answer = callback_params(response["Location"])
    assert answer["error"] == "invalid_request"
    assert "response_type" in answer["error_description"]


def test_a_client_may_send_the_same_nonce_again(client, workspace, web):
    pool, application, secret = web
    make_user(pool)
    for signed_in in (False, True):
        code, verifier = get_code(
            client, workspace, application, pool, signed_in=signed_in, nonce="fixed"
        )
        body = exchange(client, workspace, application, code, verifier, secret)
        claims = verify_id_token(client, workspace, body.json()["id_token"])
        assert claims["nonce"] == "fixed"


def test_rfc8414_metadata_for_each_workspace_issuer(client, workspace, settings):
    settings.PUBLIC_URL = "https://id.example.com"
    discovery = client.get(reverse("oidc:discovery", args=[workspace.slug])).json()
    issuer = discovery["issuer"]
    inserted = get_well_known_url(issuer)  # RFC 8414 §3.1: after the host
    assert inserted == f"/.well-known/oauth-authorization-server/w/{workspace.slug}"
    for path in (
        inserted,
        f"/w/{workspace.slug}/.well-known/oauth-authorization-server",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"] == "application/json"
        document = response.json()
        assert document == discovery
        AuthorizationServerMetadata(document).validate()
    assert client.get("/.well-known/oauth-authorization-server/w/nope").status_code == (
        404
    )
