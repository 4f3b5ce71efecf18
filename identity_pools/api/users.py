"""``/api/v1/pools/{pool_id}/users``: a pool's users, their identifiers and
invitations. Every object is found through the token's workspace, then the pool,
then the user (404 for missing and foreign alike)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from ninja import Field, Query, Router, Schema, Status

from core.catalogue import message
from workspaces.api.auth import need
from workspaces.api.shapes import (
    After,
    Body,
    JsonObject,
    Limit,
    cursor_decode,
    cursor_encode,
    fields_renamed,
    responses,
)

from .. import selectors
from ..access import group_access, identifier_access, pool_access, pool_user_access
from ..identifiers import identifier_parse
from ..models import GroupMembership, PoolUser
from ..policies.passwords import pool_password_check
from ..services import users as services
from ..transfer.imports import pool_users_import

router = Router(tags=["users"])

USER = "/{uuid:pool_id}/users/{uuid:user_id}"
IDENTIFIER = USER + "/identifiers/{uuid:identifier_id}"


class IdentifierOut(Schema):
    id: uuid.UUID
    type: Literal["email", "phone"]
    value: str = Field(description="Normalised: lowercase email, or E.164 mobile.")
    is_verified: bool
    verified_at: datetime | None
    created_at: datetime


class GroupRef(Schema):
    id: uuid.UUID
    name: str


class UserOut(Schema):
    id: uuid.UUID
    status: Literal["new", "active", "inactive"]
    display_name: str
    user_data: JsonObject
    metadata: JsonObject
    identifiers: list[IdentifierOut]
    groups: list[GroupRef]
    last_sign_in_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_identifiers(user):
        return list(user.identifiers.all())

    @staticmethod
    def resolve_groups(user):
        return [membership.group for membership in user.group_memberships.all()]


class UserPage(Schema):
    items: list[UserOut]
    next: str | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


class IdentifierIn(Body):
    type: Literal["email", "phone"] | None = Field(
        None, description="Checked against the value when given."
    )
    value: str = Field(
        min_length=1,
        max_length=320,
        description="An email address or a mobile "
        "number with its country code (+44 7700 900123).",
    )


class RecordIdentifierIn(IdentifierIn):
    verified: bool = Field(False, description="The address is known to be the user's.")


class UserIn(Body):
    """One user, in the import record's shape, plus `invite`. With `invite`:
    one identifier and no password (the invitation lets the user choose one).
    Otherwise the record is written as a one-record import
    (`…/users/import`): several identifiers, `verified`, `status`, `groups`,
    an existing `password_hash`, a chosen `id`."""

    id: uuid.UUID | None = Field(None, description="Keep this id (else a new one).")
    identifiers: list[RecordIdentifierIn] = Field(min_length=1, max_length=10)
    status: Literal["new", "active", "inactive"] | None = None
    groups: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="Group names of the pool."
    )
    password_hash: str | dict | None = Field(
        None, description="An existing hash (see the import's formats)."
    )
    user_data: JsonObject = Field(
        default_factory=dict, description="Validated by the pool's user schema."
    )
    metadata: JsonObject = Field(
        default_factory=dict, description="Validated by the pool's metadata schema."
    )
    password: str | None = Field(
        None,
        min_length=1,
        max_length=1024,
        description="Set the password (the pool's policy); the user is active.",
    )
    must_change_password: bool = False
    invite: bool = Field(
        False,
        description="Send an invitation instead of setting a password; the user "
        "is new until they register.",
    )


class UserPatch(Body):
    """Only the fields given change; `user_data` and `metadata` are replaced."""

    status: Literal["active", "inactive"] | None = None
    user_data: JsonObject | None = None
    metadata: JsonObject | None = None


class InvitationOut(Schema):
    sent_to: str
    expires_at: datetime


def _with_groups(users: list[PoolUser]) -> list[PoolUser]:
    """``users`` with their groups, by name, in one query."""
    prefetch_related_objects(
        users,
        Prefetch(
            "group_memberships",
            queryset=GroupMembership.objects.select_related("group").order_by(
                "group__name"
            ),
        ),
    )
    return users


def _user(request, scope: str, pool_id: uuid.UUID, user_id: uuid.UUID) -> PoolUser:
    pool = pool_access(workspace=need(request, scope), pool_id=pool_id)
    return pool_user_access(pool=pool, user_id=user_id)


def _shown(user: PoolUser) -> PoolUser:
    """``user`` read again with what ``UserOut`` shows."""
    fresh = PoolUser.objects.for_pool(user.pool).prefetch_related("identifiers")
    return _with_groups([fresh.get(pk=user.pk)])[0]


def _type_matches(given: IdentifierIn) -> bool:
    """Whether the value is of the type the request names (a value that does not
    parse is left to the service, which says why on the value's field)."""
    if given.type is None:
        return True
    try:
        return identifier_parse(given.value).type == given.type
    except ValidationError:
        return True


def _invalid(field: str, detail: str) -> ValidationError:
    return ValidationError(
        {field: ValidationError(message("api_invalid", detail=detail), code="invalid")}
    )


@router.get("/{uuid:pool_id}/users", response=responses({200: UserPage}))
def pool_user_list(
    request,
    pool_id: uuid.UUID,
    after: After = None,
    limit: Limit = 50,
    identifier: Annotated[
        str | None,
        Query(max_length=254, description="Users with an identifier starting so."),
    ] = None,
    name: Annotated[
        str | None,
        Query(max_length=254, description="Users whose name contains this."),
    ] = None,
    status: Literal["new", "active", "inactive"] | None = None,
    group: Annotated[
        uuid.UUID | None, Query(description="Members of this group.")
    ] = None,
):
    """Users, newest first, a page at a time (`next` is the cursor of the next
    page). Filter by `identifier` prefix or `name` (not both), `status`, `group`."""
    pool = pool_access(workspace=need(request, "read"), pool_id=pool_id)
    if identifier and name:
        raise _invalid("name", "Filter by identifier or by name, not both.")
    filters = selectors.UserFilter(
        q=(identifier or name or "").strip(),
        by="identifier" if identifier else "name",
        status=status or "",
        group=group_access(pool=pool, group_id=group) if group else None,
    )
    page = selectors.pool_user_list(
        pool=pool, filters=filters, cursor=cursor_decode(after, uuid.UUID), size=limit
    )
    return {"items": _with_groups(page.items), "next": cursor_encode(page.next_cursor)}


@router.post("/{uuid:pool_id}/users", response=responses({201: UserOut}))
def pool_user_create(request, pool_id: uuid.UUID, payload: UserIn):
    """Create one user ("Create User"): with a password (`mode` credentials) or
    with `"invite": true` (an invitation to register is sent after commit).
    Refused: `identifier_taken`, `identifier_invalid`, the schemas' data errors,
    the password policy, `send_rate_limited`."""
    pool = pool_access(workspace=need(request, "write"), pool_id=pool_id)
    record = payload.model_dump(exclude={"invite"}, exclude_none=True)
    if not payload.invite and _beyond_create(payload):
        return _create_as_import(request, pool, payload, record)
    if payload.invite and _beyond_create(payload):
        raise _invalid(
            "invite",
            "An invitation goes to one identifier, and the user chooses a "
            "password: send one identifier, without status, groups, hash or id.",
        )
    given = payload.identifiers[0]
    value_path = "identifiers__0__value"
    with fields_renamed({"identifier": value_path}):
        if not _type_matches(given):
            raise _invalid("identifiers__0__type", f"This value is not a {given.type}.")
        if payload.invite and payload.password is not None:
            raise _invalid(
                "password", "Send an invitation or set a password, not both."
            )
        user = services.pool_user_create(
            pool=pool,
            actor=request.auth,
            identifier=given.value,
            user_data=payload.user_data,
            metadata=payload.metadata,
            mode=services.MODE_INVITE if payload.invite else services.MODE_CREDENTIALS,
            password=payload.password,
            must_change_password=payload.must_change_password,
        )
    return Status(201, _shown(user))


def _beyond_create(payload: UserIn) -> bool:
    """Whether the record asks for what only the import writes."""
    return bool(
        len(payload.identifiers) > 1
        or any(i.verified for i in payload.identifiers)
        or payload.status
        or payload.groups
        or payload.password_hash is not None
        or payload.id
    )


def _create_as_import(request, pool, payload: UserIn, record: dict):
    """A one-record import (the same checks, writes and audit as
    `…/users/import`); a plain password meets the pool's policy first, and an
    existing password hash needs the token's `import` scope, as an import
    does."""
    if payload.password_hash is not None:
        need(request, "import")
    if payload.password is not None:
        pool_password_check(
            pool=pool,
            password=payload.password,
            identifiers=[i.value for i in payload.identifiers],
            user_data=payload.user_data,
            field="password",
        )
    if record.get("id") is not None:
        record["id"] = str(record["id"])
    report = pool_users_import(
        pool=pool, actor=request.auth, records=[record], on_conflict="error"
    )
    result = report.results[0]
    if result["outcome"] != "created":
        return Status(400, {"errors": result["errors"]})
    return Status(201, _shown(pool_user_access(pool=pool, user_id=result["id"])))


@router.get(USER, response=responses({200: UserOut}))
def pool_user_read(request, pool_id: uuid.UUID, user_id: uuid.UUID):
    return _shown(_user(request, "read", pool_id, user_id))


@router.patch(USER, response=responses({200: UserOut}))
def pool_user_update(
    request, pool_id: uuid.UUID, user_id: uuid.UUID, payload: UserPatch
):
    """Change the status (activate, deactivate), the user data or the metadata.
    All the changes are made or none."""
    user = _user(request, "write", pool_id, user_id)
    with transaction.atomic():
        if payload.status is not None:
            services.pool_user_set_status(
                user=user, actor=request.auth, status=payload.status
            )
        if payload.user_data is not None:
            services.pool_user_update_data(
                user=user, actor=request.auth, user_data=payload.user_data
            )
        if payload.metadata is not None:
            services.pool_user_update_metadata(
                user=user, actor=request.auth, metadata=payload.metadata
            )
    return _shown(user)


@router.delete(USER, response=responses({204: None}))
def pool_user_delete(request, pool_id: uuid.UUID, user_id: uuid.UUID):
    """Delete the user with identifiers, credentials and group memberships."""
    user = _user(request, "write", pool_id, user_id)
    services.pool_user_delete(user=user, actor=request.auth)
    return Status(204, None)


@router.post(USER + "/identifiers", response=responses({201: IdentifierOut}))
def identifier_add(
    request, pool_id: uuid.UUID, user_id: uuid.UUID, payload: IdentifierIn
):
    """Add an email address or mobile number. Refused: `identifier_taken`,
    `identifier_invalid`."""
    user = _user(request, "write", pool_id, user_id)
    with fields_renamed({"identifier": "value"}):
        if not _type_matches(payload):
            raise _invalid("type", f"This value is not a {payload.type}.")
        identifier = services.identifier_add(
            user=user, actor=request.auth, identifier=payload.value
        )
    return Status(201, identifier)


@router.delete(IDENTIFIER, response=responses({204: None}))
def identifier_remove(
    request, pool_id: uuid.UUID, user_id: uuid.UUID, identifier_id: uuid.UUID
):
    """Remove an identifier. Refused: `identifier_last` (a user keeps one)."""
    user = _user(request, "write", pool_id, user_id)
    identifier = identifier_access(user=user, identifier_id=identifier_id)
    services.identifier_remove(identifier=identifier, actor=request.auth)
    return Status(204, None)


@router.post(IDENTIFIER + "/verify", response=responses({200: IdentifierOut}))
def identifier_verify(
    request, pool_id: uuid.UUID, user_id: uuid.UUID, identifier_id: uuid.UUID
):
    """Mark the identifier verified (the user proved it another way)."""
    user = _user(request, "write", pool_id, user_id)
    identifier = identifier_access(user=user, identifier_id=identifier_id)
    return services.identifier_mark_verified(identifier=identifier, actor=request.auth)


@router.post(USER + "/invitation", response=responses({200: InvitationOut}))
def invitation_send(request, pool_id: uuid.UUID, user_id: uuid.UUID):
    """Send a new invitation (the previous link stops working). Refused:
    `invitation_not_new` (the user has registered), `send_rate_limited`."""
    user = _user(request, "write", pool_id, user_id)
    sent = services.pool_user_invitation_resend(user=user, actor=request.auth)
    return {"sent_to": sent.sent_to, "expires_at": sent.expires_at}
