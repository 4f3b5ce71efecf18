"""The user page's "Sessions and applications": the operator sees the user's
open sessions and the applications holding their tokens, ends a session or
revokes an application's access; viewers only look; another workspace's ids
change nothing."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import SsoSession
from accounts.session_words import browser_in_words, method_in_words
from core.models import AuditEvent
from oidc.applications import application_create
from oidc.models import OAuthToken
from tests.factories import PoolUserFactory, WorkspaceFactory
from tests.oidc.oidc_helpers import ACTOR, REDIRECT, setup_provider
from workspaces.models import Role

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def provider(workspace):
    return setup_provider(workspace)


@pytest.fixture
def pool(provider):
    """The pool connected to the workspace's application (overrides conftest)."""
    return provider[0]


@pytest.fixture
def application(provider):
    return provider[1]


def sso(user, *, method="password", minutes_ago=5, ip="203.0.113.7", agent=FIREFOX):
    return SsoSession.objects.create(
        user=user,
        method=method,
        auth_time=timezone.now() - timedelta(minutes=minutes_ago),
        ip=ip,
        user_agent=agent,
    )


def token(application, user, session=None, **fields):
    now = timezone.now()
    return OAuthToken.objects.create(
        application=application,
        user=user,
        sso_session=session,
        access_token_hash=secrets.token_hex(32),
        issued_at=fields.pop("issued_at", now),
        access_expires_at=fields.pop("access_expires_at", now + timedelta(hours=1)),
        **fields,
    )


def another_app(application, name):
    """A second application of the workspace, signing in the same pool."""
    return application_create(
        workspace=application.workspace,
        actor=ACTOR,
        name=name,
        kind="web",
        connections=list(application.connections.all()),
        redirect_uris=[REDIRECT],
    )[0]


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def revoke(workspace, pool, pool_user):
    """revoke(client, "session"|"application", value) → the POST's response."""

    def post(client, kind, value, user=None):
        address = reverse(
            f"oidc_console:pool_user_{kind}_revoke",
            args=[workspace.slug, pool.pk, (user or pool_user).pk],
        )
        return client.post(address, {kind: value})

    return post


def test_the_user_page_lists_open_sessions_and_applications(
    owner_client, url, workspace, pool_user, application
):
    first = sso(pool_user, method="password+totp", minutes_ago=90)
    sso(pool_user, method="passkey", ip=None, agent=SAFARI)
    ended = sso(pool_user, ip="198.51.100.99")
    SsoSession.objects.filter(pk=ended.pk).update(ended_at=timezone.now())
    token(application, pool_user, first)
    token(application, pool_user, first)
    gone = another_app(application, "Old portal")
    token(gone, pool_user, first, revoked_at=timezone.now())

    page = owner_client.get(url("pool_user_detail", pool_user.pk)).content.decode()

    assert "Sessions and applications" in page
    assert "password + authenticator app" in page
    assert "Firefox on Linux" in page and "Safari on iOS" in page
    assert "203.0.113.7" in page and "198.51.100.99" not in page  # ended: hidden
    assert first.auth_time.strftime("%Y-%m-%d %H:%M") in page
    assert "1\xa0hour, 30\xa0minutes ago" in page
    assert page.count('name="session"') == 2
    detail = reverse(
        "oidc_console:application_detail", args=[workspace.slug, application.pk]
    )
    assert f'<a href="{detail}">{application.name}</a>' in page
    assert "<td>2</td>" in page  # two live tokens
    assert "Old portal" not in page  # only revoked tokens: not listed
    assert page.count("Revoke access</button>") == 1


def test_the_user_page_says_when_there_is_nothing(owner_client, url, pool_user):
    page = owner_client.get(url("pool_user_detail", pool_user.pk)).content.decode()
    assert "Not signed in anywhere." in page
    assert "No application holds live tokens of this user." in page


def test_revoke_ends_the_session_and_its_tokens(
    owner_client, url, pool_user, application, revoke
):
    mine, other = sso(pool_user), sso(pool_user)
    under, beside = (
        token(application, pool_user, mine),
        token(application, pool_user, other),
    )

    response = revoke(owner_client, "session", str(mine.pk))

    assert response.status_code == 302
    assert response["Location"] == url("pool_user_detail", pool_user.pk) + "#sessions-h"
    assert texts(response) == ["Session ended; the user's browser is signed out."]
    mine.refresh_from_db(), other.refresh_from_db()
    under.refresh_from_db(), beside.refresh_from_db()
    assert mine.ended_at is not None and under.revoked_at is not None
    assert other.ended_at is None and beside.revoked_at is None
    event = AuditEvent.objects.get(action="pool_user.session_ended")
    assert event.details == {"session": str(mine.pk), "reason": "operator", "tokens": 1}
    # A second click (or a stale page) is told, not a second event.
    again = revoke(owner_client, "session", str(mine.pk))
    assert texts(again)[-1] == "This session had already ended."
    assert AuditEvent.objects.filter(action="pool_user.session_ended").count() == 1


def test_revoke_access_revokes_one_applications_tokens(
    owner_client, workspace, pool_user, application, revoke
):
    other_app = another_app(application, "Shop")
    session = sso(pool_user)
    tokens = [token(application, pool_user, session) for _ in range(2)]
    kept = token(other_app, pool_user, session)

    response = revoke(owner_client, "application", str(application.pk))

    assert response.status_code == 302
    assert texts(response) == [
        f"{application.name} can no longer use {pool_user.display_name}'s tokens."
    ]
    assert all(OAuthToken.objects.get(pk=t.pk).revoked_at is not None for t in tokens)
    kept.refresh_from_db(), session.refresh_from_db()
    assert kept.revoked_at is None and session.ended_at is None
    event = AuditEvent.objects.get(action="oauth.tokens_revoked")
    assert event.details["tokens"] == 2
    nothing = revoke(owner_client, "application", str(application.pk))
    assert texts(nothing)[-1] == (
        f"{application.name} held no live tokens of {pool_user.display_name}."
    )


def test_viewers_see_the_lists_without_buttons_and_cannot_revoke(
    client, url, workspace, member_of, pool_user, application, revoke
):
    session = sso(pool_user)
    live = token(application, pool_user, session)
    client.force_login(member_of(workspace, Role.VIEWER))

    page = client.get(url("pool_user_detail", pool_user.pk)).content.decode()
    assert "Firefox on Linux" in page and application.name in page
    assert "Revoke</button>" not in page and "Revoke access</button>" not in page

    assert revoke(client, "session", str(session.pk)).status_code == 403
    assert revoke(client, "application", str(application.pk)).status_code == 403
    session.refresh_from_db(), live.refresh_from_db()
    assert session.ended_at is None and live.revoked_at is None


def test_admins_can_revoke(client, workspace, member_of, pool_user, revoke):
    session = sso(pool_user)
    client.force_login(member_of(workspace, Role.ADMIN))
    assert revoke(client, "session", str(session.pk)).status_code == 302
    session.refresh_from_db()
    assert session.ended_at is not None


def test_another_workspaces_session_or_application_is_refused(
    owner_client, pool_user, revoke
):
    elsewhere = WorkspaceFactory()
    their_pool, their_app, _secret = setup_provider(elsewhere)
    stranger = PoolUserFactory(pool=their_pool)
    their_session = sso(stranger)
    their_token = token(their_app, stranger, their_session)
    # Their application holding *our* user's token still is not ours to touch.
    odd_token = token(their_app, pool_user)

    refused = revoke(owner_client, "session", str(their_session.pk))
    assert texts(refused) == ["This session had already ended."]
    assert revoke(owner_client, "application", str(their_app.pk)).status_code == 404

    their_session.refresh_from_db(), their_token.refresh_from_db()
    odd_token.refresh_from_db()
    assert their_session.ended_at is None
    assert their_token.revoked_at is None and odd_token.revoked_at is None
    assert not AuditEvent.objects.filter(
        action__in=["pool_user.session_ended", "oauth.tokens_revoked"]
    ).exists()


def test_another_users_session_in_the_same_pool_is_refused(
    owner_client, pool, pool_user, revoke
):
    theirs = sso(PoolUserFactory(pool=pool))
    response = revoke(owner_client, "session", str(theirs.pk))
    assert texts(response) == ["This session had already ended."]
    theirs.refresh_from_db()
    assert theirs.ended_at is None


@pytest.mark.parametrize("kind", ["session", "application"])
@pytest.mark.parametrize("value", ["", "not-a-uuid", "1' OR '1'='1", "x" * 5000])
def test_a_malformed_id_is_404_not_500(owner_client, pool_user, revoke, kind, value):
    assert revoke(owner_client, kind, value).status_code == 404


def test_get_on_a_revoke_url_goes_to_the_user_page(
    owner_client, url, workspace, pool, pool_user
):
    for kind in ("session", "application"):
        response = owner_client.get(
            reverse(
                f"oidc_console:pool_user_{kind}_revoke",
                args=[workspace.slug, pool.pk, pool_user.pk],
            )
        )
        assert response.status_code == 302
        assert response["Location"].startswith(url("pool_user_detail", pool_user.pk))


def page_queries(client, url, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("pool_user_detail", user.pk)).status_code == 200
    return len(queries)


def test_the_lists_take_the_same_queries_for_one_or_five(
    owner_client, url, workspace, pool, application
):
    apps = [application] + [another_app(application, f"App {n}") for n in range(4)]
    one, five = PoolUserFactory(pool=pool), PoolUserFactory(pool=pool)
    token(application, one, sso(one))
    for n, app in enumerate(apps):
        session = sso(five, method="password+totp", minutes_ago=n)
        token(app, five, session)
        token(app, five, session)
    page_queries(owner_client, url, one)  # warm up (session, caches)

    few = page_queries(owner_client, url, one)
    many = page_queries(owner_client, url, five)
    assert few == many
    page = owner_client.get(url("pool_user_detail", five.pk)).content.decode()
    assert page.count('name="session"') == 5 and page.count('name="application"') == 5


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("password", "password"),
        ("password+totp", "password + authenticator app"),
        ("passkey", "passkey"),
        ("synced_passkey", "synced passkey"),
        ("password+synced_passkey", "password + synced passkey"),
        ("email_code+recovery", "email code + recovery code"),
        ("sms_code", "SMS code"),
        ("password+enrolled", "password + newly set-up second factor"),
        ("magic", "magic"),
        ("", "unknown"),
    ],
)
def test_method_in_words(method, words):
    assert method_in_words(method) == words


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (FIREFOX, "Firefox on Linux"),
        (SAFARI, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Chrome on macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("x" * 100, "x" * 59 + "…"),
        ("", "unknown"),
    ],
)
def test_browser_in_words(agent, words):
    assert browser_in_words(agent) == words
