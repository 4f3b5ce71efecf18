"""``/api/v1/pools``: the workspace's identity pools."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Router, Schema

from ..access import pool_access
from .base import need

router = Router(tags=["pools"])


class PoolOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    user_schema_id: uuid.UUID
    metadata_schema_id: uuid.UUID
    user_count: int
    created_at: datetime
    updated_at: datetime


class ErrorItem(Schema):
    code: str
    message: str
    path: str


class Errors(Schema):
    errors: list[ErrorItem]


@router.get("", response={200: list[PoolOut], 401: Errors, 403: Errors})
def pool_list(request):
    """The workspace's pools, by name."""
    workspace = need(request, "read")
    return list(workspace.pools.order_by("name", "id"))


@router.get(
    "/{uuid:pool_id}", response={200: PoolOut, 401: Errors, 403: Errors, 404: Errors}
)
def pool_read(request, pool_id: uuid.UUID):
    workspace = need(request, "read")
    return pool_access(workspace=workspace, pool_id=pool_id)
