"""What applications receive: discovery, claims (pairwise sub, groups, custom
claims), signing keys (ES256, RS256, rotation) and RP-initiated logout."""

from __future__ import annotations

import pytest
from authlib.oidc.discovery import OpenIDProviderMetadata
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from accounts.models import SsoSession
from accounts.sso import authentication_context
from oidc.signing_keys import signing_key_rotate
from tests.factories import GroupFactory, GroupMembershipFactory, WorkspaceFactory

from .oidc_helpers import (
    ACTOR,
    exchange,
    get_code,
    hosted,
    make_user,
    setup_provider,
    token_url,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def tokens(client, workspace, application, pool, secret, **params):
    code, verifier = get_code(
        client,
        workspace,
        application,
        pool,
        signed_in=params.pop("signed_in", False),
        **params,
    )
    response = exchange(client, workspace, application, code, verifier, secret)
    assert response.status_code == 200, response.content
    return response.json()


def test_discovery_document_is_valid_and_uses_public_url(client, workspace, settings):
    settings.PUBLIC_URL = "https://id.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    response = client.get(
        reverse("oidc:discovery", args=[workspace.slug]),
        headers={"Host": "attacker.example.net"},
    )
    assert response.status_code == 200
    document = response.json()
    metadata = OpenIDProviderMetadata(document)
    metadata.validate()
    assert document["issuer"] == f"https://id.example.com/w/{workspace.slug}"
    assert document["token_endpoint"].startswith(document["issuer"] + "/")
    assert "S256" in document["code_challenge_methods_supported"]
    again = client.get(
        reverse("oidc:discovery", args=[workspace.slug]),
        headers={"If-None-Match": response["ETag"]},
    )
    assert again.status_code == 304
    assert client.get("/w/nope/.well-known/openid-configuration").status_code == 404


def test_claims_from_scopes_groups_and_custom_mappings(client, workspace):
    pool, application, secret = setup_provider(
        workspace,
        kind="web",
        scopes=["openid", "profile", "email", "groups"],
        claim_mappings=[
            {"claim": "tier", "source": "metadata.plan.tier"},
            {"claim": "nick", "source": "user_data.nickname"},
        ],
    )
    ann = make_user(pool, metadata={"plan": {"tier": "gold"}})
    ann.user_data["nickname"] = "Annie"
    ann.save()
    group = GroupFactory(pool=pool, name="Customers")
    GroupMembershipFactory(group=group, user=ann)
    body = tokens(
        client,
        workspace,
        application,
        pool,
        secret,
        scope="openid profile email groups",
    )
    claims = verify_id_token(client, workspace, body["id_token"])
    assert claims["groups"] == ["Customers"]
    assert claims["tier"] == "gold" and claims["nick"] == "Annie"
    assert claims["email_verified"] is False
    info = client.get(
        token_url(workspace, "userinfo"),
        headers={"Authorization": f"Bearer {body['access_token']}"},
    ).json()
    assert info["groups"] == ["Customers"] and info["tier"] == "gold"
    # Scopes the application may not ask for are dropped from what it gets.
    body = tokens(
        client,
        workspace,
        application,
        pool,
        secret,
        scope="openid phone",
        signed_in=True,
    )
    assert body["scope"] == "openid"


def test_pairwise_subjects_differ_per_application(client, workspace):
    pool, first, first_secret = setup_provider(
        workspace, kind="web", pairwise_subject=True
    )
    from oidc.applications import application_create

    second, second_secret = application_create(
        workspace=workspace,
        actor=ACTOR,
        name="Second",
        kind="web",
        connections=list(first.connections.all()),
        redirect_uris=first.redirect_uris,
        pairwise_subject=True,
    )
    ann = make_user(pool)
    one = verify_id_token(
        client,
        workspace,
        tokens(client, workspace, first, pool, first_secret)["id_token"],
    )["sub"]
    again = verify_id_token(
        client,
        workspace,
        tokens(client, workspace, first, pool, first_secret, signed_in=True)[
            "id_token"
        ],
    )["sub"]
    two = verify_id_token(
        client,
        workspace,
        tokens(client, workspace, second, pool, second_secret, signed_in=True)[
            "id_token"
        ],
    )["sub"]
    assert one == again and one != two and str(ann.pk) not in (one, two)


def test_rs256_application_and_key_rotation(client, workspace):
    pool, application, secret = setup_provider(
        workspace, kind="web", id_token_alg="RS256"
    )
    make_user(pool)
    old = tokens(client, workspace, application, pool, secret)["id_token"]
    assert (
        jwt.decode(
            old,
            KeySet.import_key_set(
                client.get(reverse("oidc:jwks", args=[workspace.slug])).json()
            ),
        ).header["alg"]
        == "RS256"
    )
    signing_key_rotate(workspace=workspace, alg="RS256", actor=ACTOR, keep_seconds=3600)
    new = tokens(client, workspace, application, pool, secret, signed_in=True)[
        "id_token"
    ]
    jwks = KeySet.import_key_set(
        client.get(reverse("oidc:jwks", args=[workspace.slug])).json()
    )
    old_kid = jwt.decode(old, jwks).header["kid"]  # still verifies
    new_kid = jwt.decode(new, jwks).header["kid"]
    assert old_kid != new_kid


def test_tokens_of_one_workspace_do_not_verify_with_another(client, workspace):
    pool, application, secret = setup_provider(workspace, kind="web")
    make_user(pool)
    id_token = tokens(client, workspace, application, pool, secret)["id_token"]
    other = WorkspaceFactory()
    jwks = client.get(reverse("oidc:jwks", args=[other.slug])).json()
    with pytest.raises(JoseError):
        jwt.decode(id_token, KeySet.import_key_set(jwks))


def test_rp_initiated_logout_ends_the_session(client, workspace):
    pool, application, secret = setup_provider(
        workspace,
        kind="web",
        post_logout_redirect_uris=["https://app.example.com/bye"],
    )
    make_user(pool)
    body = tokens(client, workspace, application, pool, secret)
    logout = reverse("oidc:end_session", args=[workspace.slug])
    response = client.get(
        logout,
        {
            "id_token_hint": body["id_token"],
            "post_logout_redirect_uri": "https://app.example.com/bye",
            "state": "s1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "https://app.example.com/bye?state=s1"
    assert SsoSession.objects.get().ended_at is not None
    assert client.get(hosted(pool, "account"))["Location"] == hosted(pool, "sign_in")
    refused = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        headers={
            "Authorization": "Basic "
            + __import__("base64")
            .b64encode(f"{application.client_id}:{secret}".encode())
            .decode()
        },
    )
    assert refused.status_code == 400


def test_logout_without_hint_asks_first_and_never_redirects_elsewhere(
    client, workspace
):
    pool, application, secret = setup_provider(workspace, kind="web")
    make_user(pool)
    tokens(client, workspace, application, pool, secret)
    logout = reverse("oidc:end_session", args=[workspace.slug])
    page = client.get(logout, {"post_logout_redirect_uri": "https://evil.example.com"})
    assert page.status_code == 200 and "Sign out?" in page.content.decode()
    assert SsoSession.objects.get().ended_at is None
    done = client.post(
        logout + "?post_logout_redirect_uri=https://evil.example.com",
        {"confirm": "yes"},
    )
    assert done.status_code == 200 and "signed out" in done.content.decode()
    assert SsoSession.objects.get().ended_at is not None


def test_userinfo_refuses_missing_or_unknown_tokens(client, workspace):
    url = token_url(workspace, "userinfo")
    missing = client.get(url)
    assert missing.status_code == 401 and "Bearer" in missing["WWW-Authenticate"]
    unknown = client.get(url, headers={"Authorization": "Bearer ipat_nope"})
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_token"


def test_jwks_keys_carry_the_fields_relying_parties_need(client, workspace):
    from oidc.signing_keys import signing_keys_ensure

    signing_keys_ensure(workspace=workspace, alg="RS256")
    keys = client.get(reverse("oidc:jwks", args=[workspace.slug])).json()["keys"]
    assert {k["alg"] for k in keys} == {"ES256", "RS256"}
    private = {"d", "p", "q", "dp", "dq", "qi"}
    for key in keys:
        assert key["use"] == "sig" and key["kid"] and not private & key.keys()
        if key["kty"] == "EC":
            assert key["crv"] == "P-256" and key["x"] and key["y"]
        else:
            assert key["kty"] == "RSA" and key["n"] and key["e"] == "AQAB"


@pytest.mark.parametrize(
    ("method", "amr", "acr"),
    [
        ("password", ["pwd"], "1"),
        ("email_code", ["otp"], "1"),
        ("sms_code", ["sms"], "1"),
        ("password+totp", ["pwd", "otp", "mfa"], "2"),
        ("password+passkey", ["pwd", "hwk", "mfa"], "2"),
        ("email_code+recovery", ["otp", "mfa"], "2"),
        # A second factor set up during the sign-in, then used.
        ("password+enrolled", ["pwd", "mfa"], "2"),
        # A passkey signing in alone was user-verified: the pool asks no second
        # factor after it, and the token says it was multi-factor.
        ("passkey", ["hwk", "mfa"], "2"),
        # A passkey its provider syncs between devices is a software key.
        ("synced_passkey", ["swk", "mfa"], "2"),
        ("password+synced_passkey", ["pwd", "swk", "mfa"], "2"),
    ],
)
def test_amr_and_acr_name_the_factors_used(method, amr, acr):
    assert authentication_context(method) == (amr, acr)
