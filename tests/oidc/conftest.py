"""Fixtures the OpenID provider's tests share: the hosted pages' ``pool`` and
``ann`` (from tests/accounts/conftest.py: a sign-in is part of every flow),
and ``web``: a pool connected to a web application (pool, application,
secret)."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import ann, pool  # noqa: F401

from .oidc_helpers import setup_provider


@pytest.fixture
def web(workspace):
    return setup_provider(workspace, kind="web")
