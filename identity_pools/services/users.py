"""Writes of pool users and their identifiers. Each runs in one transaction with its
audit event; what the apps above do about a change (an invitation) they do in
it, told through ``identity_pools.signals``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.catalogue import error, field_error, message
from core.validation import constraint_lost, full_clean_onto, validated_save

from ..counters import group_members_counted, pool_users_counted
from ..credentials import PasswordCredential
from ..identifiers import ParsedIdentifier, identifier_parse
from ..models import Group, Identifier, IdentityPool, PoolUser
from ..policies.passwords import pool_password_check
from ..signals import pool_user_invited
from ..user_schemas.data import (
    data_with_undeclared,
    display_name_from,
    schema_data_errors,
)
from ..user_schemas.editable import operator_only, users_data, users_document

IDENTIFIER_ERRORS = {"identifier_taken": "identifier"}
MODE_INVITE = "invite"
MODE_CREDENTIALS = "credentials"


def _parse(field: str, raw: str) -> ParsedIdentifier:
    try:
        return identifier_parse(raw)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from exc


def _check_data(document: dict, data: dict, field: str) -> None:
    errors = schema_data_errors(document, data)
    if errors:
        raise ValidationError(
            {field: [problem for problems in errors.values() for problem in problems]}
        )


def _new_user(
    *,
    pool: IdentityPool,
    parsed: ParsedIdentifier,
    status: str,
    user_data: dict,
    metadata: dict | None = None,
) -> tuple[PoolUser, Identifier]:
    """A pool user with its first identifier, validated, not saved yet. Raises
    ValidationError (e.g. ``identifier_taken`` on "identifier")."""
    user = PoolUser(
        pool=pool,
        status=status,
        user_data=user_data,
        metadata=metadata or {},
        display_name=display_name_from(user_data),
    )
    ident = Identifier(pool=pool, user=user, type=parsed.type, value=parsed.value)
    user.full_clean(exclude=["pool"])
    full_clean_onto(ident, exclude=["user"], error_fields=IDENTIFIER_ERRORS)
    return user, ident


def _insert_user(
    *,
    user: PoolUser,
    ident: Identifier,
    password: str | None,
    must_change: bool = False,
) -> None:
    """Save a ``_new_user`` with its identifier and password (when given: its
    first hash, as the import stores one), and count it in its pool; inside the
    caller's transaction."""
    user.save()
    ident.user = user
    ident.save()
    if password is not None:
        PasswordCredential.objects.create(
            user=user,
            password=make_password(password),
            state=PasswordCredential.State.MUST_CHANGE
            if must_change
            else PasswordCredential.State.VALID,
        )
    pool_users_counted(pool_id=user.pool_id, by=1)


def pool_user_create(
    *,
    pool: IdentityPool,
    actor,
    identifier: str,
    user_data: dict,
    mode: str,
    password: str | None = None,
    must_change_password: bool = False,
    metadata: dict | None = None,
) -> PoolUser:
    """Create a user of ``pool`` with one identifier.

    ``mode`` "credentials": the operator sets the password (checked against the
    pool's policy); the user is active. ``mode`` "invite": the user is "new", and
    ``signals.pool_user_invited`` has them invited (``accounts`` sends a
    single-use registration link, by email or SMS for a mobile number, after
    commit). Raises ValidationError keyed by "identifier", "user_data",
    "metadata", "password" or "mode", or what the invitation's receiver raises
    (``send_rate_limited`` when it may not be sent now); nothing is written
    then.
    """
    parsed = _parse("identifier", identifier)
    _check_data(pool.user_schema.document, user_data, "user_data")
    metadata = metadata or {}
    _check_data(pool.metadata_schema.document, metadata, "metadata")
    if mode not in (MODE_INVITE, MODE_CREDENTIALS):
        raise field_error("mode", "mode_invalid")
    if mode == MODE_CREDENTIALS:
        if not password:
            raise field_error("password", "password_required")
        pool_password_check(
            pool=pool,
            password=password,
            identifiers=[parsed.value],
            user_data=user_data,
            field="password",
        )
    user, ident = _new_user(
        pool=pool,
        parsed=parsed,
        status=PoolUser.Status.ACTIVE
        if mode == MODE_CREDENTIALS
        else PoolUser.Status.NEW,
        user_data=user_data,
        metadata=metadata,
    )
    try:
        with transaction.atomic():
            _insert_user(
                user=user,
                ident=ident,
                password=password if mode == MODE_CREDENTIALS else None,
                must_change=must_change_password,
            )
            audit_record(
                actor=actor,
                action="pool_user.created",
                workspace=pool.workspace,
                target=user,
                details={
                    "pool": str(pool.pk),
                    "identifier": parsed.value,
                    "mode": mode,
                    "must_change_password": bool(must_change_password),
                },
            )
            if mode == MODE_INVITE:
                _invite(user=user, identifier=ident, actor=actor)
    except IntegrityError as exc:
        # Another operator created the same identifier at the same moment.
        raise constraint_lost(
            ident, exc, exclude=["user"], error_fields=IDENTIFIER_ERRORS
        ) from exc
    return user


@dataclass(frozen=True)
class Invitation:
    """An invitation sent: the address it went to, and when its link expires."""

    sent_to: str
    expires_at: datetime


def _invite(*, user: PoolUser, identifier: Identifier, actor) -> Invitation:
    """Have ``user`` invited at ``identifier``: ``signals.pool_user_invited``,
    in the caller's transaction. The receiver that sends the invitation
    (``accounts``) answers when its link expires; what a receiver raises
    (``send_rate_limited``) goes to the caller."""
    answers = pool_user_invited.send(
        sender=PoolUser, user=user, identifier=identifier, actor=actor
    )
    expiries = [expires for _receiver, expires in answers if expires is not None]
    if not expiries:
        raise ImproperlyConfigured("No installed app sends pool users' invitations.")
    return Invitation(sent_to=identifier.value, expires_at=expiries[0])


def pool_user_invitation_resend(*, user: PoolUser, actor) -> Invitation:
    """Replace the user's invitation link with a new one and send it (to their
    first email address, else their first identifier).

    Raises ValidationError: ``invitation_not_new`` unless the user is "new",
    ``invitation_no_email`` when they have no identifier, what the invitation's
    receiver raises (``send_rate_limited`` when the address or the workspace
    has had too many messages); nothing changes then."""
    if user.status != PoolUser.Status.NEW:
        raise ValidationError(message("invitation_not_new"), code="invitation_not_new")
    identifiers = list(user.identifiers.order_by("id"))
    target = next(
        (i for i in identifiers if i.type == Identifier.Type.EMAIL),
        identifiers[0] if identifiers else None,
    )
    if target is None:
        raise ValidationError(
            message("invitation_no_email"), code="invitation_no_email"
        )
    with transaction.atomic():
        invitation = _invite(user=user, identifier=target, actor=actor)
        audit_record(
            actor=actor,
            action="pool_user.invitation_sent",
            workspace=user.pool.workspace,
            target=user,
            details={"to": target.value},
        )
    return invitation


def _update_schema_data(
    *,
    user: PoolUser,
    actor,
    field: str,
    data: dict,
    keep_undeclared: bool,
    by_user: bool = False,
) -> PoolUser:
    """Replace ``user_data`` or ``metadata`` after checking it against the pool's
    schema for it; audits the names (not the values) of the keys that changed.
    With ``keep_undeclared``, ``data`` holds the schema's properties only and the
    stored keys the schema does not declare are kept (see
    ``user_schemas.data.data_with_undeclared``). With ``by_user`` (user data
    only), the properties only operators fill in keep their stored values and
    may stay missing though required (``user_schemas.editable``)."""
    document = (
        user.pool.user_schema.document
        if field == "user_data"
        else user.pool.metadata_schema.document
    )
    current = getattr(user, field)
    if by_user:
        kept = {k: current[k] for k in operator_only(document) if k in current}
        data = {**users_data(document, data), **kept}
    if keep_undeclared:
        data = data_with_undeclared(document, current=current, edited=data)
    _check_data(users_document(document) if by_user else document, data, field)
    changed = sorted(
        k for k in set(current) | set(data) if current.get(k) != data.get(k)
    )
    with transaction.atomic():
        setattr(user, field, data)
        update_fields = [field, "updated_at"]
        if field == "user_data":
            user.display_name = display_name_from(data)
            update_fields.append("display_name")
        user.save(update_fields=update_fields)
        if changed:
            audit_record(
                actor=actor,
                action=f"pool_user.{'data' if field == 'user_data' else 'metadata'}_updated",
                workspace=user.pool.workspace,
                target=user,
                details={"fields": changed},
            )
    return user


def pool_user_update_data(
    *,
    user: PoolUser,
    actor,
    user_data: dict,
    keep_undeclared: bool = False,
    by_user: bool = False,
) -> PoolUser:
    """Replace ``user``'s user data. ``by_user``: the user edits their own (the
    account page), so what only operators fill in is neither taken from
    ``user_data`` nor required."""
    return _update_schema_data(
        user=user,
        actor=actor,
        field="user_data",
        data=user_data,
        keep_undeclared=keep_undeclared,
        by_user=by_user,
    )


def pool_user_update_metadata(
    *, user: PoolUser, actor, metadata: dict, keep_undeclared: bool = False
) -> PoolUser:
    return _update_schema_data(
        user=user,
        actor=actor,
        field="metadata",
        data=metadata,
        keep_undeclared=keep_undeclared,
    )


def pool_user_set_status(*, user: PoolUser, actor, status: str) -> PoolUser:
    """Activate or deactivate. A deactivated user cannot sign in."""
    if status not in (PoolUser.Status.ACTIVE, PoolUser.Status.INACTIVE):
        raise error("status_invalid")
    old = user.status
    if old == status:
        return user
    with transaction.atomic():
        user.status = status
        user.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="pool_user.activated"
            if status == PoolUser.Status.ACTIVE
            else "pool_user.deactivated",
            workspace=user.pool.workspace,
            target=user,
            details={"from": old, "to": status},
        )
    return user


def pool_user_delete(*, user: PoolUser, actor) -> None:
    """Delete the user with identifiers, credentials, codes and group memberships."""
    pool = user.pool
    with transaction.atomic():
        # Lock the user first: a concurrent "Assign Users" waits, then fails cleanly.
        PoolUser.objects.select_for_update().filter(pk=user.pk).first()
        group_members_counted(
            groups=Group.objects.filter(memberships__user=user), by=-1
        )
        pool_users_counted(pool_id=pool.pk, by=-1)
        audit_record(
            actor=actor,
            action="pool_user.deleted",
            workspace=pool.workspace,
            target=user,
            details={
                "pool": str(pool.pk),
                "identifiers": list(user.identifiers.values_list("value", flat=True)),
            },
        )
        PoolUser.objects.filter(pk=user.pk).delete()


def identifier_add(*, user: PoolUser, actor, identifier: str) -> Identifier:
    """Add an email address or mobile number to ``user``. Raises ValidationError
    on "identifier" (not understood, or ``identifier_taken`` in this pool)."""
    parsed = _parse("identifier", identifier)
    pool = user.pool
    ident = Identifier(pool=pool, user=user, type=parsed.type, value=parsed.value)
    validated_save(
        ident,
        exclude=["user"],
        error_fields=IDENTIFIER_ERRORS,
        then=lambda: audit_record(
            actor=actor,
            action="pool_user.identifier_added",
            workspace=pool.workspace,
            target=user,
            details={"identifier": parsed.value},
        ),
    )
    return ident


def identifier_remove(*, identifier: Identifier, actor) -> None:
    """Remove an identifier; never the user's last one."""
    user = identifier.user
    with transaction.atomic():
        PoolUser.objects.select_for_update().filter(pk=user.pk).first()
        if user.identifiers.count() <= 1:
            raise ValidationError(message("identifier_last"), code="identifier_last")
        audit_record(
            actor=actor,
            action="pool_user.identifier_removed",
            workspace=user.pool.workspace,
            target=user,
            details={"identifier": identifier.value},
        )
        identifier.delete()


def identifier_mark_verified(*, identifier: Identifier, actor) -> Identifier:
    """An operator vouches for ``identifier`` (the user proved it another way)."""
    if identifier.is_verified:
        return identifier
    with transaction.atomic():
        identifier.is_verified, identifier.verified_at = True, timezone.now()
        identifier.save(update_fields=["is_verified", "verified_at", "updated_at"])
        audit_record(
            actor=actor,
            action="pool_user.identifier_verified",
            workspace=identifier.user.pool.workspace,
            target=identifier.user,
            details={"identifier": identifier.value, "by": "operator"},
        )
    return identifier


def pool_user_register(
    *, user: PoolUser, identifier: Identifier, password: str, user_data: dict
) -> PoolUser:
    """A "new" user registers (from an invitation): chooses ``password`` (checked
    here against the pool's policy with the data, one answer for both; the
    caller, accounts' invitation flow, stores it) and completes ``user_data``
    (merged over what the operator entered; what only operators fill in is not
    taken from it, nor required: ``user_schemas.editable``); becomes active,
    with ``identifier`` (where the invitation went) verified. The user is the
    actor. Call inside the transaction that redeems the invitation.

    Raises ValidationError on "password" or "user_data"; ``invitation_not_new``
    when the user is not "new" any more.
    """
    pool = user.pool
    locked = PoolUser.objects.select_for_update().get(pk=user.pk)
    if locked.status != PoolUser.Status.NEW:
        raise error("invitation_not_new")
    document = pool.user_schema.document
    data = {**user.user_data, **users_data(document, user_data)}
    errors: dict[str, list[ValidationError]] = {}
    try:
        pool_password_check(
            pool=pool,
            password=password,
            identifiers=list(user.identifiers.values_list("value", flat=True)),
            user_data=data,
        )
    except ValidationError as exc:
        errors["password"] = exc.error_list
    try:
        _check_data(users_document(document), data, "user_data")
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    user.user_data, user.display_name = data, display_name_from(data)
    user.status = PoolUser.Status.ACTIVE
    user.save(update_fields=["user_data", "display_name", "status", "updated_at"])
    Identifier.objects.filter(pk=identifier.pk).update(
        is_verified=True, verified_at=now
    )
    audit_record(
        actor=user,
        action="pool_user.registered",
        workspace=pool.workspace,
        target=user,
        details={"identifier": identifier.value, "via": "invitation"},
    )
    return user


def pool_user_sign_up_check(
    *, pool: IdentityPool, identifier: ParsedIdentifier, user_data: dict, password: str
) -> None:
    """What a sign-up must satisfy, whether or not the address is known: the
    user data (the pool's schema as users fill it in: what only operators fill
    in may be missing, ``user_schemas.editable``) and the password (the pool's
    policy). Raises ValidationError on "user_data" and "password"."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        _check_data(users_document(pool.user_schema.document), user_data, "user_data")
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        pool_password_check(
            pool=pool,
            password=password,
            identifiers=[identifier.value],
            user_data=user_data,
        )
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)


def pool_user_sign_up(
    *, pool: IdentityPool, identifier: ParsedIdentifier, user_data: dict, password: str
) -> tuple[PoolUser, Identifier]:
    """A visitor creates an account (self-registration): the user is "new" until
    the address is confirmed with a code. Checks ``pool_user_sign_up_check``; the
    identifier must be free (a caller that must not tell checks first). The user
    is the actor. Call inside the caller's transaction.

    Raises ValidationError on "user_data" or "password"; ``identifier_taken`` on
    "identifier" when a concurrent sign-up took it. What only operators fill in
    is dropped from ``user_data`` (a crafted post cannot set it).
    """
    user_data = users_data(pool.user_schema.document, user_data)
    pool_user_sign_up_check(
        pool=pool, identifier=identifier, user_data=user_data, password=password
    )
    user, ident = _new_user(
        pool=pool, parsed=identifier, status=PoolUser.Status.NEW, user_data=user_data
    )
    try:
        with transaction.atomic():
            _insert_user(user=user, ident=ident, password=password)
            audit_record(
                actor=user,
                action="pool_user.signed_up",
                workspace=pool.workspace,
                target=user,
                details={"identifier": identifier.value},
            )
    except IntegrityError as exc:
        raise constraint_lost(
            ident, exc, exclude=["user"], error_fields=IDENTIFIER_ERRORS
        ) from exc
    return user, ident


def pool_user_confirm_identifier(*, user: PoolUser, identifier: Identifier) -> PoolUser:
    """The user proved ``identifier`` with a code: it is verified, and a "new" user
    becomes active. The user is the actor."""
    with transaction.atomic():
        locked = PoolUser.objects.select_for_update().get(pk=user.pk)
        Identifier.objects.filter(pk=identifier.pk).update(
            is_verified=True, verified_at=timezone.now()
        )
        if locked.status == PoolUser.Status.NEW:
            PoolUser.objects.filter(pk=user.pk).update(status=PoolUser.Status.ACTIVE)
            user.status = PoolUser.Status.ACTIVE
        audit_record(
            actor=user,
            action="pool_user.identifier_verified",
            workspace=user.pool.workspace,
            target=user,
            details={"identifier": identifier.value},
        )
    return user
