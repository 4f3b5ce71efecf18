"""Every state change of workspaces and memberships. Each runs in one transaction and
writes its audit event in it. Callers pass resolved objects (see workspaces.access)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.addresses import email_normalise
from core.audit import SystemActor, audit_record, changes_applied
from core.catalogue import field_error, message
from core.delivery.email import absolute_url, send_templated_email
from core.delivery.limits import send_quota_consume
from core.tokens import new_token, token_hash
from core.validation import validated_save

from .models import Membership, Role, Workspace, WorkspaceInvitation

INVITATION_LIFETIME = timedelta(days=7)


def workspace_create(
    *, actor, name: str, slug: str, description: str = ""
) -> Workspace:
    """Create a workspace with ``actor`` (an operator) as its owner; a
    ``SystemActor`` (``manage.py create_workspace``) creates it without members.
    Raises ValidationError (``slug_taken`` on "slug", also when a concurrent create
    wins; the model's field errors otherwise)."""
    workspace = Workspace(name=name.strip(), slug=slug, description=description)

    def record() -> None:
        if not isinstance(actor, SystemActor):
            Membership.objects.create(
                workspace=workspace, operator=actor, role=Role.OWNER
            )
        audit_record(
            actor=actor,
            action="workspace.created",
            workspace=workspace,
            target=workspace,
            details={"name": workspace.name, "slug": slug},
        )

    validated_save(workspace, error_fields={"slug_taken": "slug"}, then=record)
    return workspace


def workspace_update(
    *, workspace: Workspace, actor, name: str, description: str
) -> Workspace:
    before = (workspace.name, workspace.description)
    changes = changes_applied(workspace, name=name.strip(), description=description)

    def record() -> None:
        if changes:
            audit_record(
                actor=actor,
                action="workspace.updated",
                workspace=workspace,
                target=workspace,
                details={"changes": changes},
            )

    try:
        validated_save(
            workspace, update_fields=["name", "description", "updated_at"], then=record
        )
    except ValidationError:
        workspace.name, workspace.description = before
        raise
    return workspace


def _lock_owners(workspace: Workspace) -> list[Membership]:
    return list(
        Membership.objects.select_for_update()
        .filter(workspace=workspace, role=Role.OWNER)
        .order_by("id")
    )


def member_invite(
    *, workspace: Workspace, actor, email: str, role: str
) -> WorkspaceInvitation:
    """Email an invitation link to ``email``. Whether or not an operator account
    with that address exists, the answer is the same and nothing else changes: an
    existing operator joins only by opening the link and accepting it signed in,
    someone new chooses a password there (so the form never tells the inviter
    which addresses have accounts).

    Raises ValidationError: ``already_member`` when that operator is a member
    already (the inviter sees the member list anyway), ``already_invited`` for an
    open invitation, ``send_rate_limited`` when the recipient or the workspace
    has had too many messages (``accounts.send_limits``).
    """
    try:
        email = email_normalise(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.error_list}) from exc
    if role not in Role.values:
        raise field_error("role", "role_invalid")
    if Membership.objects.filter(
        workspace=workspace, operator__email__iexact=email
    ).exists():
        raise ValidationError(
            {"email": ValidationError(message("already_member"), "already_member")}
        )
    token, digest = new_token()
    invitation = WorkspaceInvitation(
        workspace=workspace,
        email=email,
        role=role,
        token_hash=digest,
        expires_at=timezone.now() + INVITATION_LIFETIME,
        invited_by=actor,
    )
    invitation.full_clean(
        exclude=["token_hash", "invited_by"], validate_constraints=False
    )
    try:
        with transaction.atomic():
            # An expired, unaccepted invitation would block the partial unique index.
            WorkspaceInvitation.objects.filter(
                workspace=workspace,
                email__iexact=email,
                accepted_at__isnull=True,
                expires_at__lte=timezone.now(),
            ).delete()
            invitation.save()
            send_quota_consume(workspace=workspace, recipient=email)
            audit_record(
                actor=actor,
                action="invitation.created",
                workspace=workspace,
                target=invitation,
                details={"email": email, "role": role},
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"email": ValidationError(message("already_invited"), "already_invited")}
        ) from exc
    link = absolute_url(reverse("accounts:invitation_accept", args=[token]))
    transaction.on_commit(
        lambda: send_templated_email(
            to=email,
            template="workspace_invitation",
            context={
                "workspace": workspace,
                "role": role,
                "link": link,
                "actor": actor,
                "expires_at": invitation.expires_at,
            },
        )
    )
    return invitation


def invitation_revoke(*, invitation: WorkspaceInvitation, actor) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="invitation.revoked",
            workspace=invitation.workspace,
            target=invitation,
            details={"email": invitation.email},
        )
        invitation.delete()


def invitation_find(*, token: str) -> WorkspaceInvitation | None:
    """The open invitation for ``token``, or None when it is unknown, used or expired."""
    return (
        WorkspaceInvitation.objects.pending()
        .select_related("workspace")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invitation_lock(*, token: str) -> WorkspaceInvitation:
    """The open invitation for ``token``, locked until the caller's transaction
    ends (call inside it). Raises ValidationError ``invitation_invalid`` when it
    is unknown, used or expired."""
    invitation = (
        WorkspaceInvitation.objects.select_for_update()
        .pending()
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise ValidationError(message("invitation_invalid"), code="invitation_invalid")
    return invitation


def invitation_accept(*, token: str, operator) -> Membership:
    """``operator`` redeems the invitation ``token``, once: they become a member
    with its role. Returns the Membership. Raises ValidationError
    ``invitation_invalid``, or ``invitation_wrong_operator`` when the invitation
    went to another address. (Someone without an operator account signs up on
    the invitation's page: ``accounts.operators.services
    .operator_create_invited``, which creates the operator and calls this.)"""
    with transaction.atomic():
        invitation = invitation_lock(token=token)
        if operator.email.lower() != invitation.email.lower():
            raise ValidationError(
                message("invitation_wrong_operator"), code="invitation_wrong_operator"
            )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "updated_at"])
        membership, _created = Membership.objects.get_or_create(
            workspace=invitation.workspace,
            operator=operator,
            defaults={"role": invitation.role},
        )
        audit_record(
            actor=operator,
            action="invitation.accepted",
            workspace=invitation.workspace,
            target=membership,
            details={"email": operator.email, "role": membership.role},
        )
    return membership


def membership_set_role(
    *, workspace: Workspace, operator, role: str, actor
) -> tuple[Membership, str]:
    """Make ``operator`` a member of ``workspace`` with ``role`` (scripts: the
    console adds members only through invitations). Returns the membership and
    "added", "changed" or "unchanged". Changing a role follows
    ``membership_change_role`` (never the last owner)."""
    if role not in Role.values:
        raise field_error("role", "role_invalid")
    membership = Membership.objects.filter(
        workspace=workspace, operator=operator
    ).first()
    if membership is not None:
        if membership.role == role:
            return membership, "unchanged"
        return membership_change_role(
            membership=membership, actor=actor, role=role
        ), "changed"
    membership = Membership(workspace=workspace, operator=operator, role=role)
    validated_save(
        membership,
        error_fields={"already_member": "operator"},
        then=lambda: audit_record(
            actor=actor,
            action="membership.added",
            workspace=workspace,
            target=membership,
            details={"email": operator.email, "role": role},
        ),
    )
    return membership, "added"


def membership_change_role(*, membership: Membership, actor, role: str) -> Membership:
    if role not in Role.values:
        raise field_error("role", "role_invalid")
    with transaction.atomic():
        owners = _lock_owners(membership.workspace)
        membership.refresh_from_db()
        if membership.role == Role.OWNER and role != Role.OWNER and len(owners) <= 1:
            raise ValidationError(message("last_owner"), code="last_owner")
        old = membership.role
        if old == role:
            return membership
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            actor=actor,
            action="membership.role_changed",
            workspace=membership.workspace,
            target=membership,
            details={"email": membership.operator.email, "from": old, "to": role},
        )
    return membership


def membership_remove(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        owners = _lock_owners(membership.workspace)
        membership.refresh_from_db()
        if membership.role == Role.OWNER and len(owners) <= 1:
            raise ValidationError(message("last_owner"), code="last_owner")
        audit_record(
            actor=actor,
            action="membership.removed",
            workspace=membership.workspace,
            target=membership,
            details={"email": membership.operator.email, "role": membership.role},
        )
        membership.delete()
