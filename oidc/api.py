"""``/api/v1/identity-providers`` and ``/api/v1/applications``: the workspace's
pools connected as identity providers, and its OpenID Connect clients (the same
services as the console: ``oidc.connections``, ``oidc.applications``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status

from core.catalogue import error, message
from identity_pools.access import pool_access
from workspaces.api.auth import need
from workspaces.api.shapes import Body, Name, fields_renamed, responses

from . import applications as services
from .connections import idp_connect, idp_disconnect
from .models import Application, IdpConnection

idp_router = Router(tags=["identity providers"])
router = Router(tags=["applications"])

APP = "/{uuid:application_id}"


def op(name: str) -> str:
    """The operation id clients know the route by: made from the module the
    routes were first written in (``identity_pools.api.applications``), as
    django-ninja names operations, and kept when they moved here."""
    return f"identity_pools_api_applications_{name}"


CONNECTION_FIELDS = {"connections": "connection_ids"}

Kind = Literal["web", "spa", "native", "m2m"]
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
ScopeName = Literal["openid", "profile", "email", "phone", "address", "groups"]
Uri = Annotated[str, Field(max_length=services.MAX_URI_LENGTH)]
Uris = Annotated[list[Uri], Field(max_length=services.MAX_URIS)]
AccessSeconds = Annotated[int, Field(ge=60, le=86_400)]
RefreshSeconds = Annotated[int, Field(ge=60, le=365 * 86_400)]
IdTokenAlg = Literal["ES256", "RS256"]
# Shape only (and a bound on the work); the service checks the rules, with the
# catalogue's codes (e.g. at most 50 mappings).
ClaimText = Annotated[str, Field(max_length=1000)]


class ClaimMapping(Body):
    claim: ClaimText = Field(description="The claim's name, e.g. department.")
    source: ClaimText = Field(
        description="user_data.<name> or metadata.<name> (1 to 5 names joined by "
        "dots), e.g. user_data.department."
    )


class ClaimMappingOut(Schema):
    claim: str
    source: str


ClaimMappings = Annotated[
    list[ClaimMapping],
    Field(
        max_length=1000,
        description="Custom claims: at most 50, each claim once, none the "
        "provider sets itself (sub, email, …).",
    ),
]


# --- identity providers ---------------------------------------------------------


class ConnectionOut(Schema):
    id: uuid.UUID
    pool_id: uuid.UUID
    display_name: str
    created_at: datetime
    updated_at: datetime


class ConnectionIn(Body):
    pool_id: uuid.UUID
    display_name: Annotated[str, Field(max_length=100)] = Field(
        "",
        description="Shown to users when an application offers several; "
        "the pool's name when empty.",
    )


def _connection(workspace, connection_id: uuid.UUID) -> IdpConnection:
    found = (
        IdpConnection.objects.for_workspace(workspace)
        .select_related("workspace")
        .filter(pk=connection_id)
        .first()
    )
    if found is None:
        raise Http404("identity provider")
    return found


@idp_router.get(
    "", response=responses({200: list[ConnectionOut]}), operation_id=op("idp_list")
)
def idp_list(request):
    """The workspace's pools connected as identity providers, by display name."""
    workspace = need(request, "read")
    return list(
        IdpConnection.objects.for_workspace(workspace).order_by("display_name", "id")
    )


@idp_router.post(
    "", response=responses({201: ConnectionOut}), operation_id=op("idp_create")
)
def idp_create(request, payload: ConnectionIn):
    """Connect a pool of the workspace ("Connect identity pool"). Refused:
    `not_found` at `/pool_id` for a pool the workspace does not have,
    `idp_pool_connected`, `idp_name_invalid`."""
    workspace = need(request, "write")
    try:
        pool = pool_access(workspace=workspace, pool_id=payload.pool_id)
    except Http404 as exc:
        detail = "No pool of this workspace has this id (GET /api/v1/pools lists them)."
        raise ValidationError(
            {
                "pool_id": ValidationError(
                    message("api_invalid", detail=detail), code="not_found"
                )
            }
        ) from exc
    with fields_renamed({"pool": "pool_id"}):
        connection = idp_connect(
            workspace=workspace,
            actor=request.auth,
            pool=pool,
            display_name=payload.display_name,
        )
    return Status(201, connection)


@idp_router.get(
    "/{uuid:connection_id}",
    response=responses({200: ConnectionOut}),
    operation_id=op("idp_read"),
)
def idp_read(request, connection_id: uuid.UUID):
    return _connection(need(request, "read"), connection_id)


@idp_router.delete(
    "/{uuid:connection_id}",
    response=responses({204: None}),
    operation_id=op("idp_delete"),
)
def idp_delete(request, connection_id: uuid.UUID):
    """Disconnect: applications no longer sign the pool's users in through it
    (the pool and its users stay)."""
    connection = _connection(need(request, "write"), connection_id)
    idp_disconnect(connection=connection, actor=request.auth)
    return Status(204, None)


# --- applications ---------------------------------------------------------------


class ApplicationOut(Schema):
    id: uuid.UUID
    name: str
    kind: Kind
    client_id: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    grant_types: list[GrantType]
    connection_ids: list[uuid.UUID]
    scopes: list[ScopeName]
    access_token_seconds: int
    refresh_token_seconds: int
    rotate_refresh_tokens: bool
    require_consent: bool
    require_two_factors: bool
    pairwise_subject: bool
    id_token_alg: IdTokenAlg
    claim_mappings: list[ClaimMappingOut]
    previous_secret_expires_at: datetime | None = Field(
        description="Until when the secret before the last rotation still works."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_connection_ids(obj) -> list[uuid.UUID]:
        return [c.pk for c in obj.connections.all()]


class ApplicationCreated(ApplicationOut):
    client_secret: str | None = Field(
        description="Web and m2m: the client secret, returned only in this "
        "response (only its hash is kept). Spa and native: null (PKCE)."
    )


class ApplicationIn(Body):
    name: Name
    kind: Kind = Field(description="Fixed once created.")
    redirect_uris: Uris = Field(
        [], description="Exact match; https, or http on 127.0.0.1, [::1], localhost."
    )
    post_logout_redirect_uris: Uris = []
    grant_types: list[GrantType] | None = Field(
        None,
        description="Default: authorization_code and refresh_token; "
        "client_credentials for m2m.",
    )
    connection_ids: list[uuid.UUID] = Field(
        [], max_length=100, description="Identity providers its users sign in with."
    )
    scopes: list[ScopeName] | None = Field(
        None, description="Default: openid profile email (none for m2m)."
    )
    access_token_seconds: AccessSeconds = 3600
    refresh_token_seconds: RefreshSeconds = 30 * 86_400
    rotate_refresh_tokens: bool = True
    require_consent: bool = False
    require_two_factors: bool = Field(
        False,
        description="Users signed in with one factor are asked for a second "
        "before a code is issued (ID tokens: acr 2).",
    )
    pairwise_subject: bool = False
    id_token_alg: IdTokenAlg = Field("ES256", description="Signs its ID tokens.")
    claim_mappings: ClaimMappings = []


class ApplicationPatch(Body):
    """Only the fields given change; `kind` may only repeat the current type."""

    name: Name | None = None
    kind: Kind | None = None
    redirect_uris: Uris | None = None
    post_logout_redirect_uris: Uris | None = None
    grant_types: list[GrantType] | None = None
    connection_ids: Annotated[list[uuid.UUID], Field(max_length=100)] | None = None
    scopes: list[ScopeName] | None = None
    access_token_seconds: AccessSeconds | None = None
    refresh_token_seconds: RefreshSeconds | None = None
    rotate_refresh_tokens: bool | None = None
    require_consent: bool | None = None
    require_two_factors: bool | None = None
    pairwise_subject: bool | None = None
    id_token_alg: IdTokenAlg | None = None
    claim_mappings: ClaimMappings | None = None


class RotateIn(Body):
    grace_days: int = Field(
        0, ge=0, le=30, description="Days the current secret keeps working (0: none)."
    )


class SecretOut(Schema):
    client_id: str
    client_secret: str = Field(description="Returned only in this response.")
    previous_secret_expires_at: datetime | None


def _connections_named(workspace, ids: list[uuid.UUID]) -> list[IdpConnection]:
    """The workspace's connections ``ids`` names; an id it does not have is the
    body's error (400 at /connection_ids)."""
    ids = list(dict.fromkeys(ids))
    found = list(IdpConnection.objects.for_workspace(workspace).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError(
            {"connection_ids": error("application_connection_foreign")}
        )
    by_id = {c.pk: c for c in found}
    return [by_id[i] for i in ids]


def _application(request, scope: str, application_id: uuid.UUID) -> Application:
    return services.application_access(
        workspace=need(request, scope), application_id=application_id
    )


@router.get(
    "",
    response=responses({200: list[ApplicationOut]}),
    operation_id=op("application_list"),
)
def application_list(request):
    """The workspace's applications, by name."""
    workspace = need(request, "read")
    return list(
        Application.objects.for_workspace(workspace)
        .order_by("name", "id")
        .prefetch_related("connections")
    )


@router.post(
    "",
    response=responses({201: ApplicationCreated}),
    operation_id=op("application_create"),
)
def application_create(request, payload: ApplicationIn):
    """Create an application. The client secret (web, m2m) is in this response
    only. Refused: `application_name_taken`, `application_uri_invalid`,
    `application_uris_required`, `application_grants_invalid`,
    `application_openid_required`, `application_connections_required`,
    `application_connection_foreign`, `application_claim_name_invalid`,
    `application_claim_reserved`, `application_claim_source_invalid`,
    `application_claim_duplicate`, `application_claims_too_many`, …"""
    workspace = need(request, "write")
    fields = payload.model_dump(exclude={"connection_ids"}, exclude_none=True)
    connections = _connections_named(workspace, payload.connection_ids)
    with fields_renamed(CONNECTION_FIELDS):
        application, secret = services.application_create(
            workspace=workspace, actor=request.auth, connections=connections, **fields
        )
    application.client_secret = secret
    return Status(201, application)


@router.get(
    APP, response=responses({200: ApplicationOut}), operation_id=op("application_read")
)
def application_read(request, application_id: uuid.UUID):
    return _application(request, "read", application_id)


@router.patch(
    APP,
    response=responses({200: ApplicationOut}),
    operation_id=op("application_update"),
)
def application_update(request, application_id: uuid.UUID, payload: ApplicationPatch):
    """Change the given settings; all of them or none. Refused as on create,
    and `application_kind_fixed` for another `kind`."""
    application = _application(request, "write", application_id)
    fields = payload.model_dump(exclude={"connection_ids"}, exclude_none=True)
    if payload.connection_ids is not None:
        fields["connections"] = _connections_named(
            application.workspace, payload.connection_ids
        )
    with fields_renamed(CONNECTION_FIELDS):
        return services.application_update(
            application=application, actor=request.auth, **fields
        )


@router.delete(
    APP, response=responses({204: None}), operation_id=op("application_delete")
)
def application_delete(request, application_id: uuid.UUID):
    """Delete the application: its client id stops working at once."""
    application = _application(request, "write", application_id)
    services.application_delete(application=application, actor=request.auth)
    return Status(204, None)


@router.post(
    APP + "/rotate-secret",
    response=responses({200: SecretOut}),
    operation_id=op("application_rotate_secret"),
)
def application_rotate_secret(request, application_id: uuid.UUID, payload: RotateIn):
    """A new client secret, in this response only; the current one keeps
    working for `grace_days`. Refused: `application_no_secret` (spa, native)."""
    application = _application(request, "write", application_id)
    secret = services.application_rotate_secret(
        application=application,
        actor=request.auth,
        grace_days=payload.grace_days,
    )
    return {
        "client_id": application.client_id,
        "client_secret": secret,
        "previous_secret_expires_at": application.previous_secret_expires_at,
    }
