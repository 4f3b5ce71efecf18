from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, OperatorFactory, WorkspaceFactory
from workspaces.models import Role


@pytest.fixture
def operator(db):
    return OperatorFactory()


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


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
