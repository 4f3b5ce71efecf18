"""No hosted page is kept by the browser or a proxy: they show a signed-in
user's name, addresses and the addresses of their sessions, a typed identifier,
secrets shown once (an authenticator app's key, recovery codes). Every hosted
route answers ``Cache-Control: no-store`` to a signed-in browser and to a
signed-out one, GET and POST, so a new page that forgets fails here."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.hosted.signed_in import SignedInPageMixin
from identity_pools.models import SignInPolicy
from tests.accounts.test_account_page import signed_in
from tests.conftest import hosted_url_patterns

pytestmark = pytest.mark.django_db

urlpatterns = hosted_url_patterns()

ROUTES = sorted(p.name for p in urlpatterns)
SIGNED_IN_PAGES = sorted(
    p.name
    for p in urlpatterns
    if issubclass(getattr(p.callback, "view_class", object), SignedInPageMixin)
)


def address(name, pool) -> str:
    pattern = next(str(p.pattern) for p in urlpatterns if p.name == name)
    if "<uuid:pool>" in pattern:
        return reverse(f"hosted:{name}", args=[pool.workspace.slug, pool.pk])
    return reverse(f"hosted:{name}", args=[pool.workspace.slug, "x" * 43])


@pytest.fixture
def open_pool(pool):
    """Every hosted page open."""
    pool.self_registration_enabled = True
    pool.save()
    SignInPolicy.objects.create(
        pool=pool, self_service_delete=True, second_factor="optional"
    )
    return pool


def test_the_walk_sees_the_signed_in_pages():
    assert {"account", "account_profile", "account_identifier_add"} <= set(
        SIGNED_IN_PAGES
    )


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("who", ["signed in", "signed out"])
def test_no_hosted_page_is_stored(ann, open_pool, name, who):
    client = signed_in(open_pool) if who == "signed in" else Client()
    url = address(name, open_pool)
    shown = client.get(url)
    assert "no-store" in shown.get("Cache-Control", ""), shown
    if who == "signed in" and name in SIGNED_IN_PAGES:
        # The walk reached the page itself, not the way to sign in.
        assert shown.get("Location") != address("sign_in", open_pool)
    sent = client.post(url)
    assert sent.status_code < 500
    assert "no-store" in sent.get("Cache-Control", ""), sent


def test_the_account_page_is_not_stored(ann, open_pool):
    """The finding: name, addresses and session IP addresses, cacheable."""
    page = signed_in(open_pool).get(address("account", open_pool))
    assert page.status_code == 200 and b"ann@example.com" in page.content
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
