"""Fixtures the hosted pages' tests share: a pool of the workspace, and Ann,
its user with a password (``GOOD``); the OpenID provider's tests use them too
(tests/oidc/conftest.py). A test module that needs them otherwise (a policy
on the pool, a verified address) defines its own."""

from __future__ import annotations

import pytest

from accounts.authenticators.passwords import password_set
from tests.factories import IdentityPoolFactory, PoolUserFactory

GOOD = "a long enough passphrase for 2026"


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace)


@pytest.fixture
def ann(pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    return user
