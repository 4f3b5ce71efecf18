"""Fixtures the workspace's tests share: a pool made through the console's
service (so the activity has its "created" event) and Ann, a user of it with a
display name."""

from __future__ import annotations

import pytest

from identity_pools.services.pools import pool_create
from tests.factories import PoolUserFactory


@pytest.fixture
def pool(workspace, owner):
    return pool_create(workspace=workspace, actor=owner, name="Customers")


@pytest.fixture
def ann(pool):
    return PoolUserFactory(pool=pool, email="ann@example.com", display_name="Ann Lee")
