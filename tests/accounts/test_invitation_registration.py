"""The invitation link's page: an invited user chooses a password (the pool's
policy), completes missing user data, and is active; the link then no longer
works. Every kind of dead link gets the same calm page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Code
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier, PoolUser, SignInPolicy, UserSchema
from identity_pools.services import users
from identity_pools.user_schemas.builtin import USER_DATA
from tests.factories import IdentityPoolFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}
GOOD = "a long enough passphrase for 2026"


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, name="Customers")


def invite(pool, owner, mailoutbox, callbacks, identifier="ann@example.com"):
    with callbacks(execute=True):
        user = users.pool_user_create(
            pool=pool, actor=owner, identifier=identifier, user_data=ANN, mode="invite"
        )
    link = re.search(r"(http://\S+/invitation/\S+/)", mailoutbox[-1].body).group(1)
    return user, link.removeprefix("http://localhost:8000")


def register(client, path, password=GOOD, **data):
    return client.post(path, {"password1": password, "password2": password, **data})


def test_invited_user_registers_once(
    client, owner, pool, mailoutbox, django_capture_on_commit_callbacks
):
    user, path = invite(pool, owner, mailoutbox, django_capture_on_commit_callbacks)
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # the token stays here
    assert pool.workspace.name in html and "ann@example.com" in html
    assert "15 to 128 characters" in html  # the rules, up front

    weak = register(client, path, "short")
    assert [e.code for e in weak.context["form"].errors.as_data()["password1"]] == [
        "password_too_short"
    ]
    named = register(client, path, "ann lee likes long passwords")
    assert "password_contains_name" in [
        e.code for e in named.context["form"].errors.as_data()["password1"]
    ]
    assert PoolUser.objects.get(pk=user.pk).status == "new"

    done = register(client, path)
    assert done.status_code == 302
    assert done["Location"] == reverse(
        "hosted:registered", args=[pool.workspace.slug, pool.pk]
    )
    assert "You're all set" in client.get(done["Location"]).content.decode()
    user.refresh_from_db()
    assert user.status == "active"
    assert Identifier.objects.get(user=user).is_verified
    assert PasswordCredential.objects.get(user=user).state == "valid"
    from django.contrib.auth.hashers import check_password

    assert check_password(GOOD, PasswordCredential.objects.get(user=user).password)
    event = AuditEvent.objects.get(action="pool_user.registered")
    assert (event.actor_type, event.actor_id) == ("pool_user", str(user.pk))
    # The link works once.
    again = client.get(path)
    assert again.status_code == 404
    assert "This link no longer works" in again.content.decode()
    assert register(client, path).status_code == 404


def _dead_link_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
    assert "Ask whoever invited you" in response.content.decode()


def test_expired_replaced_unknown_and_foreign_links(
    client, owner, pool, mailoutbox, django_capture_on_commit_callbacks, time_passes
):
    user, first = invite(pool, owner, mailoutbox, django_capture_on_commit_callbacks)
    time_passes(61)
    with django_capture_on_commit_callbacks(execute=True):
        users.pool_user_invitation_resend(user=user, actor=owner)
    second = re.search(r"/w/\S+/invitation/\S+/", mailoutbox[-1].body).group(0)
    _dead_link_page(client, first)  # replaced
    assert client.get(second).status_code == 200
    # The same token under another workspace's address: unknown there.
    other = WorkspaceFactory()
    _dead_link_page(client, second.replace(pool.workspace.slug, other.slug))
    _dead_link_page(client, f"/w/{pool.workspace.slug}/invitation/{'x' * 43}/")
    Code.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _dead_link_page(client, second)  # expired
    assert client.get("/w/no-such-workspace/invitation/abc/").status_code == 404


def test_missing_required_data_is_asked_for(
    client, owner, workspace, pool, mailoutbox, django_capture_on_commit_callbacks
):
    user, path = invite(pool, owner, mailoutbox, django_capture_on_commit_callbacks)
    document = {
        **USER_DATA,
        "properties": {
            **USER_DATA["properties"],
            "member_no": {"type": "integer", "title": "Member number"},
        },
        "required": [*USER_DATA["required"], "member_no"],
    }
    schema = UserSchema.objects.create(
        workspace=workspace, kind="user_data", name="Members", document=document
    )
    pool.user_schema = schema
    pool.save()
    html = client.get(path).content.decode()
    assert ">Member number" in html and "Given name" not in html
    missing = register(client, path)
    assert missing.context["form"].errors["data_member_no"]
    assert register(client, path, data_member_no="42").status_code == 302
    user.refresh_from_db()
    assert user.user_data == {**ANN, "member_no": 42}


def test_post_registration_url(
    client, owner, pool, mailoutbox, django_capture_on_commit_callbacks
):
    pool.post_registration_url = "https://shop.example.com/welcome"
    pool.save()
    _user, path = invite(pool, owner, mailoutbox, django_capture_on_commit_callbacks)
    # The pool uses passkeys: this browser may add one first, or skip to the URL.
    offer = reverse("hosted:passkey_offer", args=[pool.workspace.slug, pool.pk])
    assert register(client, path)["Location"] == offer
    assert client.post(offer)["Location"] == "https://shop.example.com/welcome"
    # once only
    assert client.get(offer)["Location"] == "https://shop.example.com/welcome"


def test_post_registration_url_without_passkeys(
    client, owner, pool, mailoutbox, django_capture_on_commit_callbacks
):
    SignInPolicy.objects.create(pool=pool, passkey_enabled=False)
    pool.post_registration_url = "https://shop.example.com/welcome"
    pool.save()
    _user, path = invite(pool, owner, mailoutbox, django_capture_on_commit_callbacks)
    assert register(client, path)["Location"] == "https://shop.example.com/welcome"


def test_link_guessing_is_rate_limited(client, workspace):
    for _ in range(30):
        client.get(f"/w/{workspace.slug}/invitation/{'y' * 43}/")
    response = client.get(f"/w/{workspace.slug}/invitation/{'z' * 43}/")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_hosted_pages_keep_their_own_session(
    client, owner, pool, mailoutbox, django_capture_on_commit_callbacks
):
    """Registering sets no console session, and the console's operator is not
    anybody on the hosted pages."""
    _user, path = invite(pool, owner, mailoutbox, django_capture_on_commit_callbacks)
    register(client, path)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("workspaces:workspace_list")).status_code == 302
