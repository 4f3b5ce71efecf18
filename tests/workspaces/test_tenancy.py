"""Tenancy sweep: every console URL that names a workspace answers 404 to an operator
of another workspace, for GET and POST, and for deeper ids from another workspace."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.views import View

from accounts.models import Passkey
from identity_pools.models import UserSchema
from identity_pools.user_schemas.builtin import USER_DATA
from oidc.models import Application, IdpConnection
from tests.factories import (
    GroupFactory,
    IdentityPoolFactory,
    MembershipFactory,
    PoolUserFactory,
    WorkspaceFactory,
)
from workspaces.api_tokens import api_token_create
from workspaces.mixins import WorkspaceScopedMixin
from workspaces.models import Role
from workspaces.services import member_invite

pytestmark = pytest.mark.django_db


def console_patterns():
    """(route name, route, view class) of every console URL pattern with
    <workspace>. (Hosted pages, under /w/, are public by slug: their own test.)"""
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if (
                    route.startswith("console/")
                    and "<slug:workspace>" in route
                    and p.name
                ):
                    view_class = getattr(p.callback, "view_class", None)
                    found.append((f"{namespace}:{p.name}", route, view_class))

    walk(get_resolver().url_patterns, "", None)
    return found


CONSOLE = console_patterns()


def test_sweep_sees_the_console():
    names = {name for name, _, _ in CONSOLE}
    assert {"workspaces:workspace_dashboard", "workspaces:member_list"} <= names


@pytest.mark.parametrize(
    ("name", "route", "view_class"), CONSOLE, ids=[c[0] for c in CONSOLE]
)
def test_every_workspace_view_uses_the_mixin(name, route, view_class):
    assert view_class is not None and issubclass(view_class, WorkspaceScopedMixin), (
        f"{name} ({route}) must get its workspace through WorkspaceScopedMixin"
    )


@pytest.fixture
def tenants(db):
    """Two workspaces, each with an owner, a second member and an open invitation."""
    data = {}
    for key in ("mine", "theirs"):
        owner = MembershipFactory(role=Role.OWNER)
        ws = owner.workspace
        member = MembershipFactory(workspace=ws, role=Role.VIEWER)
        invitation = member_invite(
            workspace=ws,
            actor=owner.operator,
            email=f"new-{key}@example.com",
            role="viewer",
        )
        pool = IdentityPoolFactory(workspace=ws)
        user = PoolUserFactory(pool=pool)
        group = GroupFactory(pool=pool)
        data[key] = {
            "owner": owner.operator,
            "workspace": ws,
            "kwargs": {
                "membership": member.pk,
                "invitation": invitation.pk,
                "pool": pool.pk,
                "pool_user": user.pk,
                "group": group.pk,
                "identifier": user.identifiers.get().pk,
                "connection": IdpConnection.objects.create(
                    workspace=ws, pool=pool, display_name=f"C {key}"
                ).pk,
                "application": Application.objects.create(
                    workspace=ws,
                    name=f"App {key}",
                    kind="web",
                    secret_hash="0" * 64,
                ).pk,
                "token": api_token_create(
                    workspace=ws,
                    actor=owner.operator,
                    name=f"T {key}",
                    scopes=["read"],
                )[0].pk,
                "passkey": Passkey.objects.create(
                    user=user,
                    name="Phone",
                    credential_id=f"cred-{key}",
                    public_key=b"k",
                    aaguid="00000000-0000-0000-0000-000000000000",
                ).pk,
                "schema": UserSchema.objects.create(
                    workspace=ws, kind="user_data", name="S", document=USER_DATA
                ).pk,
            },
        }
    return data


def kwargs_for(route: str, workspace_slug: str, samples: dict) -> dict:
    kwargs = {"workspace": workspace_slug}
    for part in route.split("<")[1:]:
        name = part.split(">")[0].split(":")[-1]
        if name == "workspace":
            continue
        assert name in samples, f"add a sample object for <{name}> to the tenancy sweep"
        kwargs[name] = samples[name]
    return kwargs


def assert_foreign_404(client, url: str) -> None:
    for method in ("get", "post"):
        status = getattr(client, method)(url).status_code
        assert status == 404, f"{method.upper()} {url} answered {status}, expected 404"


@pytest.mark.parametrize(
    ("name", "route", "view_class"), CONSOLE, ids=[c[0] for c in CONSOLE]
)
def test_other_workspace_is_404(client, tenants, name, route, view_class):
    mine, theirs = tenants["mine"], tenants["theirs"]
    client.force_login(mine["owner"])
    # Their workspace with their objects.
    url = reverse(
        name, kwargs=kwargs_for(route, theirs["workspace"].slug, theirs["kwargs"])
    )
    assert_foreign_404(client, url)
    # A workspace that does not exist looks the same.
    url = reverse(name, kwargs=kwargs_for(route, "no-such-workspace", theirs["kwargs"]))
    assert_foreign_404(client, url)
    # My workspace with their objects' ids.
    if route.count("<") > 1:
        url = reverse(
            name, kwargs=kwargs_for(route, mine["workspace"].slug, theirs["kwargs"])
        )
        assert_foreign_404(client, url)


class UnscopedView(View):
    """What a view that forgot the mixin looks like."""

    def get(self, request, workspace):
        return HttpResponse("leaked")

    post = get


urlpatterns = [
    path("console/w/<slug:workspace>/leak/", UnscopedView.as_view(), name="leak")
]


@pytest.mark.urls(__name__)
def test_sweep_fails_for_a_view_without_the_mixin(client, operator):
    client.force_login(operator)
    other = WorkspaceFactory()
    with pytest.raises(AssertionError, match="expected 404"):
        assert_foreign_404(client, reverse("leak", kwargs={"workspace": other.slug}))
    assert not issubclass(UnscopedView, WorkspaceScopedMixin)
