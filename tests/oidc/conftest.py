"""Fixtures the OpenID provider's tests share (besides tests/conftest.py's
``pool`` and ``ann``: a sign-in is part of every flow): ``web``: a pool connected to a web application (pool, application,
secret)."""

from __future__ import annotations

import pytest

from .oidc_helpers import setup_provider


@pytest.fixture
def web(workspace):
    return setup_provider(workspace, kind="web")
