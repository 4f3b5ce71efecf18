"""Tenancy sweep of the hosted pages: every pool page answers 404 when the pool
belongs to another workspace than the one in the address (GET and POST, with
every page open), and a session signed in to one pool is no one in another."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.authenticators.passwords.services import password_set
from identity_pools.models import SignInPolicy
from tests.conftest import hosted_url_patterns
from tests.factories import IdentityPoolFactory, PoolUserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"


def pool_pages() -> list[str]:
    """Route names of every hosted page under a pool."""
    return sorted(
        p.name for p in hosted_url_patterns() if "<uuid:pool>" in str(p.pattern)
    )


PAGES = pool_pages()


def test_sweep_sees_the_hosted_pool_pages():
    assert {
        "sign_in",
        "sign_in_password",
        "account",
        "account_password",
        "signup",
    } <= set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_a_pool_of_another_workspace_is_404(name):
    ours, theirs = WorkspaceFactory(), WorkspaceFactory()
    foreign = IdentityPoolFactory(workspace=theirs, self_registration_enabled=True)
    # Every page open: "Delete your account" is off by default.
    SignInPolicy.objects.create(pool=foreign, self_service_delete=True)
    address = reverse(f"hosted:{name}", args=[ours.slug, foreign.pk])
    client = Client()
    assert client.get(address).status_code == 404
    assert client.post(address, {}).status_code == 404
    own = reverse(f"hosted:{name}", args=[theirs.slug, foreign.pk])
    assert client.get(own).status_code != 404


def test_a_session_of_one_pool_is_no_one_in_another(workspace):
    first, second = (
        IdentityPoolFactory(workspace=workspace),
        IdentityPoolFactory(workspace=workspace),
    )
    ann = PoolUserFactory(pool=first, email="ann@example.com")
    password_set(user=ann, raw_password=GOOD)
    client = Client()

    def page(pool, name):
        return reverse(f"hosted:{name}", args=[workspace.slug, pool.pk])

    client.post(page(first, "sign_in"), {"identifier": "ann@example.com"})
    client.post(page(first, "sign_in_password"), {"password": GOOD})
    assert client.get(page(first, "account")).status_code == 200
    assert client.get(page(second, "account"))["Location"] == page(second, "sign_in")
    assert client.get(page(second, "account_password"))["Location"] == page(
        second, "sign_in"
    )


def test_every_provider_endpoint_of_a_missing_workspace_is_404():
    from oidc.urls import urlpatterns

    client = Client()
    for pattern in urlpatterns:
        address = reverse(f"oidc:{pattern.name}", args=["no-such-workspace"])
        assert client.get(address).status_code in (404, 405), address
        assert client.post(address, {}).status_code in (404, 405), address
