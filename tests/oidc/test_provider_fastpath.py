"""The provider's GET endpoints on the fast path: discovery and JWKS come
from this process's rendered documents, checked against the database again
after ``REVALIDATE_SECONDS`` (a change by another process shows within that
time, one by this process at once); userinfo is one statement; all three skip
the browser pages' middleware with the same answer, headers included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.fastpath.responses import FastPathMiddleware
from oidc.models import SigningKey
from oidc.selectors import PUBLIC_DOCUMENTS, REVALIDATE_SECONDS
from tests.factories import GroupFactory, GroupMembershipFactory
from workspaces.models import Workspace

from .oidc_helpers import exchange, get_code, make_user, setup_provider, userinfo

pytestmark = pytest.mark.django_db


def jwks(client, workspace, **headers):
    return client.get(reverse("oidc:jwks", args=[workspace.slug]), headers=headers)


def discovery(client, slug, **headers):
    return client.get(reverse("oidc:discovery", args=[slug]), headers=headers)


def kids(response) -> set[str]:
    return {key["kid"] for key in response.json()["keys"]}


@pytest.fixture
def later(monkeypatch):
    """later(): the documents' clock moves past ``REVALIDATE_SECONDS``."""
    now = [1000.0]
    monkeypatch.setattr(PUBLIC_DOCUMENTS, "clock", lambda: now[0])

    def advance() -> None:
        now[0] += REVALIDATE_SECONDS + 0.01

    return advance


def test_jwks_shows_a_key_another_process_retired(client, workspace, later):
    """A key retired by another process (a write this process never saw)
    leaves the JWKS once the document is checked again, and its ETag
    changes."""
    first = jwks(client, workspace)
    etag = {"If-None-Match": first["ETag"]}
    gone = SigningKey.objects.filter(workspace=workspace, state="next").first()
    now = timezone.now()
    SigningKey.objects.filter(pk=gone.pk).update(
        state="retired", retired_at=now, retire_after=now - timedelta(seconds=1)
    )
    assert jwks(client, workspace, **etag).status_code == 304  # not checked yet
    later()
    after = jwks(client, workspace, **etag)
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert kids(after) == kids(first) - {gone.kid}


def test_jwks_drops_a_retired_key_when_its_time_is_up(client, workspace, later):
    """A retired key is published until ``retire_after``: the document checked
    after that moment leaves it out, with no write in between."""
    first = jwks(client, workspace)
    key = SigningKey.objects.filter(workspace=workspace, state="next").first()
    now = timezone.now()
    SigningKey.objects.filter(pk=key.pk).update(
        state="retired", retired_at=now, retire_after=now + timedelta(hours=1)
    )
    later()
    assert kids(jwks(client, workspace)) == kids(first)
    SigningKey.objects.filter(pk=key.pk).update(retire_after=now - timedelta(seconds=1))
    later()
    assert kids(jwks(client, workspace)) == kids(first) - {key.kid}


def test_discovery_of_a_workspace_renamed_elsewhere(client, workspace, later):
    """The discovery document of a slug is answered only while a workspace has
    it: renamed by another process, the old slug is not found once checked
    again, and the new one names its own issuer."""
    old, new = workspace.slug, "renamed-" + workspace.slug[:40]
    assert discovery(client, old).status_code == 200
    Workspace.objects.filter(pk=workspace.pk).update(slug=new)
    later()
    assert discovery(client, old).status_code == 404
    assert discovery(client, new).json()["issuer"].endswith("/w/" + new)


@pytest.mark.parametrize("endpoint", ["discovery", "jwks", "userinfo"])
def test_the_fast_path_answers_as_the_whole_way(
    client, workspace, web, endpoint, monkeypatch
):
    """The first request to a path goes through every middleware; the next
    ones skip the browser pages' middleware and the URL resolution, with the
    same status, headers and body."""
    if endpoint == "userinfo":
        pool, application, secret = web
        make_user(pool)
        code, verifier = get_code(client, workspace, application, pool)
        body = exchange(client, workspace, application, code, verifier, secret)
        token = body.json()["access_token"]

        def get():
            return userinfo(client, workspace, token)

    else:

        def get():
            return client.get(reverse(f"oidc:{endpoint}", args=[workspace.slug]))

    learnt = []
    learn = FastPathMiddleware._learn

    def counted(middleware, request):
        learnt.append(request.path)
        return learn(middleware, request)

    monkeypatch.setattr(FastPathMiddleware, "_learn", counted)
    whole = get()
    assert whole.status_code == 200 and len(learnt) == 1
    again = get()
    assert len(learnt) == 1  # straight to the view
    assert again.status_code == 200 and again.content == whole.content
    assert dict(again.headers) == dict(whole.headers)


def test_a_missing_workspace_is_not_found_the_whole_way(client):
    first = discovery(client, "no-such-workspace")
    again = discovery(client, "no-such-workspace")
    assert first.status_code == again.status_code == 404
    assert dict(first.headers) == dict(again.headers)


@pytest.mark.postgresql(reason="the identifiers and groups come with the token there")
def test_userinfo_is_one_statement(client, workspace, django_assert_num_queries):
    pool, application, secret = setup_provider(
        workspace, scopes=["openid", "profile", "email", "groups"]
    )
    ann = make_user(pool)
    GroupMembershipFactory(group=GroupFactory(pool=pool, name="Customers"), user=ann)
    code, verifier = get_code(
        client, workspace, application, pool, scope="openid profile email groups"
    )
    tokens = exchange(client, workspace, application, code, verifier, secret).json()
    with django_assert_num_queries(1):
        response = userinfo(client, workspace, tokens["access_token"])
    assert response.status_code == 200
    claims = response.json()
    assert claims["email"] == "ann@example.com" and claims["groups"] == ["Customers"]


@pytest.mark.parametrize("endpoint", ["discovery", "jwks"])
def test_a_document_is_checked_once_an_interval(
    client, workspace, endpoint, later, django_assert_num_queries
):
    """No statement while a document is fresh; one (its version) when it is
    checked again and still current."""
    url = reverse(f"oidc:{endpoint}", args=[workspace.slug])
    first = client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content
    later()
    with django_assert_num_queries(1):
        assert client.get(url).content == first.content
