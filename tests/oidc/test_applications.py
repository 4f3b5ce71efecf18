"""Workspace → Applications: create each kind (the secret once, stored hashed),
the rules for redirect URIs, grants, scopes and connections, secret rotation
with a grace period, delete; viewers only look."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.catalogue import message
from core.models import AuditEvent
from core.tokens import token_hash
from oidc.applications import (
    application_check_secret,
    application_create,
    application_delete,
    application_rotate_secret,
    application_update,
)
from oidc.connections import idp_connect
from oidc.models import Application
from tests.factories import IdentityPoolFactory, WorkspaceFactory
from tests.oidc.oidc_helpers import console_url as url
from workspaces.models import Role

pytestmark = pytest.mark.django_db

CALLBACK = ["https://app.example.com/callback"]


@pytest.fixture
def connection(workspace, owner):
    pool = IdentityPoolFactory(workspace=workspace, name="Customers")
    return idp_connect(workspace=workspace, actor=owner, pool=pool)


def create(workspace, owner, connection, **fields):
    fields.setdefault("name", "Shop")
    fields.setdefault("kind", "web")
    if fields["kind"] != "m2m":
        fields.setdefault("redirect_uris", CALLBACK)
        fields.setdefault("connections", [connection])
    return application_create(workspace=workspace, actor=owner, **fields)


def codes(info, field):
    return [e.code for e in info.value.error_dict[field]]


@pytest.mark.parametrize(
    ("kind", "has_secret", "grants"),
    [
        ("web", True, ["authorization_code", "refresh_token"]),
        ("spa", False, ["authorization_code", "refresh_token"]),
        ("native", False, ["authorization_code", "refresh_token"]),
        ("m2m", True, ["client_credentials"]),
    ],
)
def test_application_create_each_kind(
    workspace, owner, connection, kind, has_secret, grants
):
    app, secret = create(workspace, owner, connection, kind=kind)
    app.refresh_from_db()
    assert app.grant_types == grants
    assert len(app.client_id) == 22
    if has_secret:
        assert secret.startswith("ips_")
        assert app.secret_hash == token_hash(secret) and secret not in app.secret_hash
        assert application_check_secret(application=app, secret=secret)
        assert not application_check_secret(application=app, secret=secret + "x")
    else:
        assert secret is None and app.secret_hash == ""
        assert not application_check_secret(application=app, secret="")
    expected = [] if kind == "m2m" else [connection]
    assert list(app.connections.all()) == expected
    assert AuditEvent.objects.filter(
        action="application.created", target_id=str(app.pk)
    ).exists()


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        (
            {"redirect_uris": ["http://app.example.com/cb"]},
            "redirect_uris",
            "application_uri_invalid",
        ),
        (
            {"redirect_uris": ["https://app.example.com/cb#x"]},
            "redirect_uris",
            "application_uri_invalid",
        ),
        ({"redirect_uris": ["/callback"]}, "redirect_uris", "application_uri_invalid"),
        (
            {"redirect_uris": ["https://a@app.example.com/"]},
            "redirect_uris",
            "application_uri_invalid",
        ),
        (
            {"redirect_uris": ["https://x.example/" + "a" * 2000]},
            "redirect_uris",
            "application_uri_invalid",
        ),
        (
            {"redirect_uris": [f"https://x.example/{i}" for i in range(21)]},
            "redirect_uris",
            "application_uris_too_many",
        ),
        ({"redirect_uris": []}, "redirect_uris", "application_uris_required"),
        (
            {"post_logout_redirect_uris": ["http://example.com/"]},
            "post_logout_redirect_uris",
            "application_uri_invalid",
        ),
        (
            {"kind": "spa", "grant_types": ["client_credentials"]},
            "grant_types",
            "application_grants_invalid",
        ),
        (
            {"kind": "m2m", "grant_types": ["authorization_code"]},
            "grant_types",
            "application_grants_invalid",
        ),
        (
            {"kind": "m2m", "redirect_uris": CALLBACK},
            "redirect_uris",
            "application_uris_m2m",
        ),
        ({"grant_types": ["implicit"]}, "grant_types", "application_grants_invalid"),
        ({"scopes": ["profile"]}, "scopes", "application_openid_required"),
        ({"scopes": ["openid", "admin"]}, "scopes", "application_scopes_invalid"),
        ({"connections": []}, "connections", "application_connections_required"),
        ({"access_token_seconds": 30}, "access_token_seconds", "min_value"),
        ({"name": "  "}, "name", "application_name_invalid"),
    ],
)
def test_application_create_refuses(workspace, owner, connection, fields, field, code):
    with pytest.raises(ValidationError) as info:
        create(workspace, owner, connection, **fields)
    assert code in codes(info, field)
    assert not Application.objects.exists()


def test_application_create_allows_loopback_http(workspace, owner, connection):
    uris = ["http://127.0.0.1:8000/cb", "http://[::1]/cb", "http://localhost:3000/cb"]
    app, _ = create(workspace, owner, connection, kind="native", redirect_uris=uris)
    assert app.redirect_uris == uris


def test_application_create_refuses_another_workspaces_connection(workspace, owner):
    other = WorkspaceFactory()
    theirs = idp_connect(
        workspace=other, actor=owner, pool=IdentityPoolFactory(workspace=other)
    )
    with pytest.raises(ValidationError) as info:
        create(workspace, owner, theirs)
    assert codes(info, "connections") == ["application_connection_foreign"]


def test_application_name_unique_in_any_case(workspace, owner, connection):
    create(workspace, owner, connection, name="Shop")
    with pytest.raises(ValidationError) as info:
        create(workspace, owner, connection, name="SHOP")
    assert codes(info, "name") == ["application_name_taken"]
    # another workspace may use it
    other = WorkspaceFactory()
    create(other, owner, None, name="Shop", kind="m2m")


def test_application_update_and_kind_is_fixed(workspace, owner, connection):
    app, _ = create(workspace, owner, connection)
    with pytest.raises(ValidationError) as info:
        application_update(application=app, actor=owner, kind="spa")
    assert codes(info, "kind") == ["application_kind_fixed"]
    application_update(
        application=app, actor=owner, name="Shop 2", scopes=["openid", "groups"]
    )
    app.refresh_from_db()
    assert (app.name, app.scopes) == ("Shop 2", ["openid", "groups"])
    event = AuditEvent.objects.get(action="application.updated")
    assert event.details["changes"]["name"] == ["Shop", "Shop 2"]
    with pytest.raises(ValidationError):
        application_update(application=app, actor=owner, redirect_uris=[])
    app.refresh_from_db()
    assert app.redirect_uris == CALLBACK


def test_application_rotate_secret_with_grace(workspace, owner, connection):
    app, old = create(workspace, owner, connection)
    new = application_rotate_secret(application=app, actor=owner, grace_days=7)
    app.refresh_from_db()
    assert new != old and app.secret_hash == token_hash(new)
    assert app.previous_secret_hash == token_hash(old)
    assert application_check_secret(application=app, secret=new)
    assert application_check_secret(application=app, secret=old)
    # the grace period ends
    app.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    app.save(update_fields=["previous_secret_expires_at"])
    assert not application_check_secret(application=app, secret=old)
    assert application_check_secret(application=app, secret=new)
    # no grace: the old one stops at once
    newer = application_rotate_secret(application=app, actor=owner, grace_days=0)
    assert not application_check_secret(application=app, secret=new)
    assert application_check_secret(application=app, secret=newer)
    with pytest.raises(ValidationError) as info:
        application_rotate_secret(application=app, actor=owner, grace_days=31)
    assert codes(info, "grace_days") == ["application_grace_invalid"]


def test_application_rotate_refused_for_public_clients(workspace, owner, connection):
    app, _ = create(workspace, owner, connection, kind="spa")
    with pytest.raises(ValidationError) as info:
        application_rotate_secret(application=app, actor=owner, grace_days=1)
    assert info.value.code == "application_no_secret"


def test_application_delete_and_disconnect(workspace, owner, connection):
    app, _ = create(workspace, owner, connection)
    other, _ = create(workspace, owner, connection, name="Other")
    application_delete(application=app, actor=owner)
    assert list(Application.objects.all()) == [other]
    assert AuditEvent.objects.filter(action="application.deleted").count() == 1
    # disconnecting drops the link, not the application
    connection.delete()
    assert list(other.connections.all()) == []


# --- console --------------------------------------------------------------------


def form_data(connection, **extra):
    data = {
        "name": "Shop",
        "kind": "web",
        "redirect_uris": "https://app.example.com/callback\n\nhttp://localhost:8000/cb",
        "post_logout_redirect_uris": "",
        "connections": [str(connection.pk)] if connection else [],
        "scopes": ["openid", "email"],
        "access_token_seconds": "3600",
        "refresh_token_days": "30",
        "rotate_refresh_tokens": "on",
    }
    data.update(extra)
    return data


def test_console_create_shows_the_secret_once(owner_client, workspace, connection):
    page = owner_client.get(url(workspace, "application_create"))
    assert page.status_code == 200
    response = owner_client.post(
        url(workspace, "application_create"), form_data(connection)
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    app = Application.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("ips_") and app.secret_hash == token_hash(secret)
    body = response.content.decode()
    assert app.client_id in body and secret in body
    assert app.redirect_uris == [
        "https://app.example.com/callback",
        "http://localhost:8000/cb",
    ]
    assert app.refresh_token_seconds == 30 * 86_400
    # never again
    detail = owner_client.get(url(workspace, "application_detail", app.pk))
    assert secret not in detail.content.decode()
    listed = owner_client.get(url(workspace, "application_list")).content.decode()
    assert "Shop" in listed and app.client_id in listed and "Customers" in listed


def test_console_create_errors_on_the_form(owner_client, workspace, connection):
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(connection, redirect_uris="http://app.example.com/cb"),
    )
    assert response.status_code == 200
    assert [
        e.code for e in response.context["form"].errors.as_data()["redirect_uris"]
    ] == ["application_uri_invalid"]
    assert not Application.objects.exists()


def test_console_public_app_redirects_without_secret(
    owner_client, workspace, connection
):
    response = owner_client.post(
        url(workspace, "application_create"), form_data(connection, kind="spa")
    )
    app = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(workspace, "application_detail", app.pk)


def test_console_update_rotate_delete(owner_client, workspace, owner, connection):
    app, old = create(workspace, owner, connection)
    response = owner_client.post(
        url(workspace, "application_detail", app.pk),
        form_data(connection, name="Shop renamed", kind="spa"),
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.name, app.kind) == ("Shop renamed", "web")
    response = owner_client.post(
        url(workspace, "application_rotate_secret", app.pk), {"grace_days": "7"}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = response.context["secret"]
    app.refresh_from_db()
    assert application_check_secret(application=app, secret=new)
    assert application_check_secret(application=app, secret=old)
    confirm = owner_client.get(url(workspace, "application_delete", app.pk))
    assert "Delete “Shop renamed”?" in confirm.content.decode()
    response = owner_client.post(url(workspace, "application_delete", app.pk))
    assert response.status_code == 302 and not Application.objects.exists()


def test_disconnect_page_names_the_applications(
    owner_client, workspace, owner, connection
):
    create(workspace, owner, connection, name="Shop")
    page = owner_client.get(url(workspace, "idp_disconnect", connection.pk))
    assert [a.name for a in page.context["applications"]] == ["Shop"]


def test_viewers_look_but_cannot_change(
    client, workspace, member_of, owner, connection
):
    app, _ = create(workspace, owner, connection)
    client.force_login(member_of(workspace, Role.VIEWER))
    listed = client.get(url(workspace, "application_list")).content.decode()
    assert "Shop" in listed and "Create application</a>" not in listed
    detail = client.get(url(workspace, "application_detail", app.pk))
    assert detail.status_code == 200 and "Rotate secret" not in detail.content.decode()
    for name, args, data in [
        ("application_create", [], form_data(connection, name="X")),
        ("application_detail", [app.pk], form_data(connection, name="X")),
        ("application_rotate_secret", [app.pk], {"grace_days": "0"}),
        ("application_delete", [app.pk], {}),
    ]:
        assert client.post(url(workspace, name, *args), data).status_code == 403
    app.refresh_from_db()
    assert app.name == "Shop" and Application.objects.count() == 1


def test_console_create_ticks_the_only_identity_provider(
    owner_client, workspace, owner, connection
):
    """With one identity provider, it is ticked: a first "Create application"
    with a name and a redirect URI succeeds."""
    page = owner_client.get(url(workspace, "application_create"))
    assert page.context["form"]["connections"].value() == [str(connection.pk)]
    assert re.search(
        rf'<input[^>]*value="{connection.pk}"[^>]*checked', page.content.decode()
    )
    # Two: the operator chooses.
    other = IdentityPoolFactory(workspace=workspace, name="Staff")
    idp_connect(workspace=workspace, actor=owner, pool=other)
    page = owner_client.get(url(workspace, "application_create"))
    assert page.context["form"]["connections"].value() in (None, [])


def test_console_machine_to_machine_keeps_no_identity_provider(
    owner_client, workspace, connection
):
    """The ticked provider means nothing to a machine-to-machine application."""
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(connection, kind="m2m", redirect_uris="", scopes=[]),
    )
    assert response.status_code == 200
    assert list(Application.objects.get().connections.all()) == []


@pytest.mark.parametrize("connected", [True, False])
def test_no_identity_provider_chosen_says_what_to_do(
    owner_client, workspace, owner, connected
):
    """Nothing chosen: choose one; nothing to choose: connect a pool first."""
    if connected:
        pool = IdentityPoolFactory(workspace=workspace)
        idp_connect(workspace=workspace, actor=owner, pool=pool)
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(None),
    )
    [problem] = response.context["form"].errors.as_data()["connections"]
    assert problem.code == "application_connections_required"
    key = "application_connections_required"
    assert problem.message == message(key if connected else key + ".none_connected")
    assert not Application.objects.exists()
