"""Workspace → Identity providers: connect a pool, refuse a second connection
of it, disconnect; viewers only look."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from oidc.models import IdpConnection
from tests.factories import IdentityPoolFactory, WorkspaceFactory
from tests.oidc.oidc_helpers import console_url as url
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def test_connect_then_disconnect_a_pool(owner_client, workspace):
    pool = IdentityPoolFactory(workspace=workspace, name="Customers")
    IdentityPoolFactory(workspace=WorkspaceFactory(), name="Theirs")
    page = owner_client.get(url(workspace, "idp_connect"))
    assert [name for _key, name in page.context["form"].fields["pool"].choices] == [
        "Customers"
    ]
    response = owner_client.post(
        url(workspace, "idp_connect"), {"pool": str(pool.pk), "display_name": ""}
    )
    assert response.status_code == 302
    connection = IdpConnection.objects.get()
    assert (connection.pool, connection.display_name) == (pool, "Customers")
    listed = owner_client.get(url(workspace, "idp_connection_list")).content.decode()
    assert "Customers" in listed and "Disconnect" in listed
    # connected pools are not offered again
    page = owner_client.get(url(workspace, "idp_connect"))
    assert page.context["form"].fields["pool"].choices == []
    confirm = owner_client.get(url(workspace, "idp_disconnect", connection.pk))
    assert "Disconnect “Customers”?" in confirm.content.decode()
    owner_client.post(url(workspace, "idp_disconnect", connection.pk))
    assert not IdpConnection.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="idp.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["idp.connected", "idp.disconnected"]


def test_another_workspaces_pool_cannot_be_connected(owner_client, workspace):
    theirs = IdentityPoolFactory(workspace=WorkspaceFactory())
    response = owner_client.post(
        url(workspace, "idp_connect"), {"pool": str(theirs.pk), "display_name": "X"}
    )
    assert response.status_code == 200
    assert "pool" in response.context["form"].errors
    assert not IdpConnection.objects.exists()


def test_a_pool_connects_once(workspace, owner):
    from django.core.exceptions import ValidationError

    from oidc.connections import idp_connect

    pool = IdentityPoolFactory(workspace=workspace)
    idp_connect(workspace=workspace, actor=owner, pool=pool)
    with pytest.raises(ValidationError) as info:
        idp_connect(workspace=workspace, actor=owner, pool=pool, display_name="B")
    assert [e.code for e in info.value.error_dict["pool"]] == ["idp_pool_connected"]
    with pytest.raises(ValidationError) as info:
        idp_connect(
            workspace=workspace,
            actor=owner,
            pool=IdentityPoolFactory(workspace=workspace),
            display_name="x" * 101,
        )
    assert "display_name" in info.value.error_dict


def test_viewers_see_connections_but_cannot_change_them(
    client, workspace, member_of, owner
):
    from oidc.connections import idp_connect

    connection = idp_connect(
        workspace=workspace, actor=owner, pool=IdentityPoolFactory(workspace=workspace)
    )
    client.force_login(member_of(workspace, Role.VIEWER))
    page = client.get(url(workspace, "idp_connection_list")).content.decode()
    assert connection.display_name in page and "Connect identity pool</a>" not in page
    assert client.post(url(workspace, "idp_connect"), {}).status_code == 403
    assert (
        client.post(url(workspace, "idp_disconnect", connection.pk)).status_code == 403
    )
    assert IdpConnection.objects.count() == 1


def test_disconnecting_names_the_applications_that_use_it(
    owner_client, workspace, owner
):
    from oidc.applications import application_create
    from oidc.connections import idp_connect

    connection = idp_connect(
        workspace=workspace, actor=owner, pool=IdentityPoolFactory(workspace=workspace)
    )
    application_create(
        workspace=workspace,
        actor=owner,
        name="Shop front",
        kind="web",
        connections=[connection],
        redirect_uris=["https://shop.example.com/callback"],
    )
    page = owner_client.get(url(workspace, "idp_disconnect", connection.pk))
    body = page.content.decode()
    assert "Used by 1 application" in body and "Shop front" in body
