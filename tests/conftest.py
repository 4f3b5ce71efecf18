"""Fixtures and helpers every test directory shares: operators and their
workspace, a pool of it (``pool``) and Ann, its user with the password ``GOOD``
(``ann``), the hosted pages' addresses (``hosted_url``), time passing, text
messages sent. A directory or module that needs them otherwise (a named pool, a
policy, a verified address) overrides the fixture in its own conftest or module.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from accounts.authenticators.passwords.services import password_set
from tests.factories import (
    IdentityPoolFactory,
    MembershipFactory,
    OperatorFactory,
    PoolUserFactory,
    WorkspaceFactory,
)
from workspaces.models import Role

GOOD = "a long enough passphrase for 2026"


def hosted_url(pool, name: str, *args) -> str:
    """The address of the hosted page ``hosted:<name>`` of ``pool`` (``args``
    after the pool's id)."""
    return reverse(f"hosted:{name}", args=[pool.workspace.slug, pool.pk, *args])


def hosted_url_patterns() -> list:
    """Every URL pattern of the hosted pages, the ones each authenticator's
    ``urls`` adds (``path("", include(...))``) among them, each with its whole
    pattern."""
    from accounts.hosted.urls import urlpatterns

    def flat(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from flat(p.url_patterns, prefix + str(p.pattern))
            else:
                assert not prefix, "hosted includes add no prefix"
                yield p

    return list(flat(urlpatterns))


def pytest_runtest_setup(item):
    """``@pytest.mark.postgresql(reason=...)``: a test of what only PostgreSQL
    does (its plans, its single-statement writes, its triggers' SQL) is skipped
    on SQLite, saying why; a marker without a reason is a mistake."""
    marker = item.get_closest_marker("postgresql")
    if marker is None:
        return
    reason = marker.kwargs.get("reason")
    assert reason, f"{item.nodeid}: say why it needs PostgreSQL (reason=...)"
    if connection.vendor != "postgresql":
        pytest.skip(f"PostgreSQL only: {reason}")


@pytest.fixture
def operator(db):
    return OperatorFactory()


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace)


@pytest.fixture
def ann(pool):
    """Ann, a user of ``pool`` with the password ``GOOD``."""
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    return user


@pytest.fixture
def webauthn_localhost(settings):
    """Passkey ceremonies for http://localhost:8000 (tests.passkey_authenticator's
    origin): the relying party ``localhost``."""
    settings.WEBAUTHN_RP_ID = "localhost"
    settings.WEBAUTHN_ORIGINS = ["http://localhost:8000"]


@pytest.fixture
def member_of(db):
    """member_of(workspace, role) → a signed-in-able operator with that role."""

    def make(workspace, role=Role.OWNER):
        return MembershipFactory(workspace=workspace, role=role).operator

    return make


@pytest.fixture
def owner(workspace, member_of):
    return member_of(workspace, Role.OWNER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def time_passes(db):
    """time_passes(seconds): every open rate-limit window ends, and every code
    was issued, ``seconds`` sooner, as if that much time had passed."""
    from datetime import timedelta

    from django.db.models import F

    from accounts.models import Code
    from core.models import RateLimitBucket

    def advance(seconds: int) -> None:
        RateLimitBucket.objects.update(
            window_ends_at=F("window_ends_at") - timedelta(seconds=seconds)
        )
        Code.objects.update(created_at=F("created_at") - timedelta(seconds=seconds))

    return advance


@pytest.fixture
def sms_outbox(settings):
    """Text messages sent during the test (LocmemBackend), oldest first."""
    from core.delivery import sms

    settings.SMS_BACKEND = "core.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture(autouse=True)
def _fresh_provider_caches():
    """The per-process caches (the OpenID provider's public documents by
    workspace slug, signing keys, hosted pages' paths) start empty in every
    test: slugs repeat across tests, and a test may change the URLs."""
    from accounts.hosted import views as hosted_views
    from oidc import selectors as oidc_selectors
    from oidc import signing_keys

    oidc_selectors.PUBLIC_DOCUMENTS.clear()
    signing_keys._ACTIVE_CACHE.clear()
    hosted_views._pool_page_url.cache_clear()
    yield
