"""API tests: tokens of a workspace and a client that sends them."""

from __future__ import annotations

import pytest
from django.test import Client

from core.audit import SystemActor
from tests.factories import WorkspaceFactory
from workspaces.api_tokens import api_token_create


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def make_token(db):
    def make(workspace, scopes=("read", "write", "import"), **extra):
        return api_token_create(
            workspace=workspace,
            actor=SystemActor("tests"),
            name="Test token",
            scopes=list(scopes),
            **extra,
        )

    return make


class ApiClient(Client):
    """A test client that sends ``secret`` as the bearer token."""

    def __init__(self, secret: str | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.secret = secret

    def generic(self, method, path, data="", content_type="application/json", **kw):
        if self.secret is not None:
            kw["headers"] = {**(kw.get("headers") or {})}
            kw["headers"]["Authorization"] = f"Bearer {self.secret}"
        return super().generic(method, path, data, content_type, **kw)


@pytest.fixture
def api_client(workspace, make_token):
    """A client with a read/write/import token of ``workspace``."""
    _token, secret = make_token(workspace)
    return ApiClient(secret)


@pytest.fixture
def client_for(make_token):
    def make(workspace, scopes=("read", "write", "import")):
        _token, secret = make_token(workspace, scopes)
        return ApiClient(secret)

    return make
