"""``/api/v1/pools``: the workspace's identity pools."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from ninja import Field, Router, Schema, Status

from core.catalogue import message
from workspaces.api.auth import need
from workspaces.api.shapes import (
    Body,
    Description,
    ErrorItem,
    Errors,
    Name,
    fields_renamed,
    responses,
)

from ..access import pool_access, schema_access
from ..services import pools as services

__all__ = ["ErrorItem", "Errors", "router"]

router = Router(tags=["pools"])

SCHEMA_FIELDS = {
    "user_schema": "user_schema_id",
    "metadata_schema": "metadata_schema_id",
}


class PoolOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    user_schema_id: uuid.UUID
    metadata_schema_id: uuid.UUID
    user_count: int
    created_at: datetime
    updated_at: datetime


class PoolIn(Body):
    name: Name
    description: Description = ""
    user_schema_id: uuid.UUID | None = Field(
        None, description="A user-data schema (default: the built-in one)."
    )
    metadata_schema_id: uuid.UUID | None = Field(
        None, description="A metadata schema (default: the built-in one)."
    )


class PoolPatch(Body):
    """Only the fields given change."""

    name: Name | None = None
    description: Description | None = None
    user_schema_id: uuid.UUID | None = None
    metadata_schema_id: uuid.UUID | None = None
    force: bool = Field(
        False,
        description="Change the schemas even when existing users do not satisfy "
        "them (refused with `schema_breaks_users` otherwise).",
    )


def _schema(workspace, schema_id: uuid.UUID | None, field: str):
    """The schema ``schema_id`` names in a request body, or None; one the
    workspace cannot see is the body's error (400), not the URL's."""
    if schema_id is None:
        return None
    try:
        return schema_access(workspace=workspace, schema_id=schema_id)
    except Http404 as exc:
        raise ValidationError(
            {
                field: ValidationError(
                    message(
                        "api_invalid",
                        detail="No user schema of this workspace has this id "
                        "(GET /api/v1/schemas lists them).",
                    ),
                    code="not_found",
                )
            }
        ) from exc


def _change_schemas(request, workspace, pool, payload, *, force: bool) -> None:
    user_schema = _schema(workspace, payload.user_schema_id, "user_schema_id")
    metadata_schema = _schema(
        workspace, payload.metadata_schema_id, "metadata_schema_id"
    )
    if user_schema is None and metadata_schema is None:
        return
    with fields_renamed(SCHEMA_FIELDS):
        services.pool_change_schemas(
            pool=pool,
            actor=request.auth,
            user_schema=user_schema or pool.user_schema,
            metadata_schema=metadata_schema or pool.metadata_schema,
            force=force,
        )


@router.get("", response=responses({200: list[PoolOut]}))
def pool_list(request):
    """The workspace's pools, by name."""
    workspace = need(request, "read")
    return list(workspace.pools.order_by("name", "id"))


@router.post("", response=responses({201: PoolOut}))
def pool_create(request, payload: PoolIn):
    """Create a pool ("Create Pool"). Refused with `pool_name_taken` when the
    workspace has a pool of that name in any letter case."""
    workspace = need(request, "write")
    with transaction.atomic():
        pool = services.pool_create(
            workspace=workspace,
            actor=request.auth,
            name=payload.name,
            description=payload.description,
        )
        _change_schemas(request, workspace, pool, payload, force=False)
    return Status(201, pool)


@router.get("/{uuid:pool_id}", response=responses({200: PoolOut}))
def pool_read(request, pool_id: uuid.UUID):
    workspace = need(request, "read")
    return pool_access(workspace=workspace, pool_id=pool_id)


@router.patch("/{uuid:pool_id}", response=responses({200: PoolOut}))
def pool_update(request, pool_id: uuid.UUID, payload: PoolPatch):
    """Rename or describe the pool, or point it at other schemas (refused with
    `schema_breaks_users` when existing users would not satisfy them, unless
    `force`). All the changes are made or none."""
    workspace = need(request, "write")
    pool = pool_access(workspace=workspace, pool_id=pool_id)
    with transaction.atomic():
        if payload.name is not None or payload.description is not None:
            services.pool_update(
                pool=pool,
                actor=request.auth,
                name=pool.name if payload.name is None else payload.name,
                description=pool.description
                if payload.description is None
                else payload.description,
            )
        _change_schemas(request, workspace, pool, payload, force=payload.force)
    return pool


@router.delete("/{uuid:pool_id}", response=responses({204: None}))
def pool_delete(request, pool_id: uuid.UUID):
    """Delete the pool with its users, identifiers and groups."""
    workspace = need(request, "write")
    pool = pool_access(workspace=workspace, pool_id=pool_id)
    services.pool_delete(pool=pool, actor=request.auth, confirm_name=pool.name)
    return Status(204, None)
