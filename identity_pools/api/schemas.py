"""``/api/v1/schemas``: the user schemas a workspace sees (its own and the
built-in ones, which are read-only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status

from workspaces.api.auth import need
from workspaces.api.shapes import Body, Description, JsonObject, Name, responses

from ..access import schema_access
from ..models import UserSchema
from ..user_schemas import services

router = Router(tags=["schemas"])

Kind = Literal["user_data", "metadata"]


class SchemaOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    kind: Kind
    document: JsonObject = Field(description="A JSON Schema (draft 2020-12).")
    is_builtin: bool
    created_at: datetime
    updated_at: datetime


class SchemaIn(Body):
    name: Name
    description: Description = ""
    kind: Kind = Field(
        description="What the schema validates: a user's data or its metadata."
    )
    document: JsonObject = Field(
        description="A JSON Schema (draft 2020-12); property order is the order "
        "of the console's form fields."
    )


class SchemaPatch(Body):
    """Only the fields given change; the kind never does."""

    name: Name | None = None
    description: Description | None = None
    document: JsonObject | None = None
    force: bool = Field(
        False,
        description="Save a document that existing users of the pools using the "
        "schema do not satisfy (refused with `schema_breaks_users` otherwise).",
    )


@router.get("", response=responses({200: list[SchemaOut]}))
def schema_list(request, kind: Kind | None = None):
    """The workspace's schemas and the built-in ones, by name."""
    workspace = need(request, "read")
    schemas = UserSchema.objects.for_workspace(workspace).order_by("name", "id")
    if kind is not None:
        schemas = schemas.filter(kind=kind)
    return list(schemas)


@router.post("", response=responses({201: SchemaOut}))
def schema_create(request, payload: SchemaIn):
    """Create a schema. Refused: `schema_name_taken`, and the document's own
    errors (under `/document`)."""
    workspace = need(request, "write")
    schema = services.user_schema_create(
        workspace=workspace,
        actor=request.auth,
        name=payload.name,
        description=payload.description,
        kind=payload.kind,
        document=payload.document,
    )
    return Status(201, schema)


@router.get("/{uuid:schema_id}", response=responses({200: SchemaOut}))
def schema_read(request, schema_id: uuid.UUID):
    workspace = need(request, "read")
    return schema_access(workspace=workspace, schema_id=schema_id)


@router.patch("/{uuid:schema_id}", response=responses({200: SchemaOut}))
def schema_update(request, schema_id: uuid.UUID, payload: SchemaPatch):
    """Change a schema of the workspace. Refused: `schema_builtin` (built-in
    schemas are read-only), `schema_name_taken`, the document's errors, and
    `schema_breaks_users` (existing users would not satisfy the new document)
    unless `force`."""
    workspace = need(request, "write")
    schema = schema_access(workspace=workspace, schema_id=schema_id)
    return services.user_schema_update(
        schema=schema,
        actor=request.auth,
        name=schema.name if payload.name is None else payload.name,
        description=schema.description
        if payload.description is None
        else payload.description,
        document=schema.document if payload.document is None else payload.document,
        force=payload.force,
    )


@router.delete("/{uuid:schema_id}", response=responses({204: None}))
def schema_delete(request, schema_id: uuid.UUID):
    """Delete a schema no pool uses. Refused: `schema_builtin`, `schema_in_use`."""
    workspace = need(request, "write")
    schema = schema_access(workspace=workspace, schema_id=schema_id)
    services.user_schema_delete(schema=schema, actor=request.auth)
    return Status(204, None)
