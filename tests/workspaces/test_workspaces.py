from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.tokens import token_hash
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OperatorFactory,
    WorkspaceFactory,
)
from workspaces import services
from workspaces.models import (
    Membership,
    Role,
    Workspace,
    WorkspaceInvitation,
)

pytestmark = pytest.mark.django_db


def audit_actions(workspace) -> list[str]:
    return list(
        AuditEvent.objects.for_workspace(workspace)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_workspace_list_shows_only_my_workspaces(client, operator):
    mine = MembershipFactory(operator=operator, role=Role.VIEWER).workspace
    theirs = WorkspaceFactory()
    client.force_login(operator)
    # ?all=1: with one workspace the console would open it instead of the list.
    html = client.get(
        reverse("workspaces:workspace_list"), {"all": "1"}
    ).content.decode()
    assert mine.name in html and theirs.name not in html


def test_create_workspace_makes_me_owner_and_audits(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("workspaces:workspace_create"),
        {"name": "Acme Retail", "slug": "acme-retail", "description": "Shop customers"},
    )
    assert response.status_code == 302
    ws = Workspace.objects.get(slug="acme-retail")
    assert response["Location"] == reverse(
        "workspaces:workspace_dashboard", args=[ws.slug]
    )
    assert Membership.objects.get(workspace=ws).role == Role.OWNER
    event = AuditEvent.objects.for_workspace(ws).get()
    assert (event.action, event.actor_type, event.actor_id, event.ip_address) == (
        "workspace.created",
        "operator",
        str(operator.pk),
        "127.0.0.1",
    )


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"name": "", "slug": "ok"}, "name", "required"),
        ({"name": "x" * 101, "slug": "ok"}, "name", "max_length"),
        ({"name": "Ok", "slug": "Not a slug!"}, "slug", "invalid"),
        ({"name": "Ok", "slug": "s" * 51}, "slug", "max_length"),
        ({"name": "Ok", "slug": "taken"}, "slug", "slug_taken"),
        (
            {"name": "Ok", "slug": "ok", "description": "d" * 1001},
            "description",
            "max_length",
        ),
    ],
)
def test_create_workspace_bad_input(client, operator, data, field, code):
    WorkspaceFactory(slug="taken")
    client.force_login(operator)
    response = client.post(reverse("workspaces:workspace_create"), data)
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()[field]] == [code]
    assert "There is a problem" in response.content.decode()
    assert not Workspace.objects.filter(slug="ok").exists()


def test_workspace_create_service_duplicate_slug_is_a_field_error(operator):
    services.workspace_create(actor=operator, name="A", slug="same")
    with pytest.raises(ValidationError) as exc:
        services.workspace_create(actor=operator, name="B", slug="same")
    assert exc.value.error_dict["slug"][0].code == "slug_taken"
    assert Workspace.objects.filter(slug="same").count() == 1


def test_rename_workspace_audits_the_change(owner_client, workspace):
    response = owner_client.post(
        reverse("workspaces:workspace_settings", args=[workspace.slug]),
        {"name": "New name", "description": "About"},
    )
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.name == "New name"
    event = AuditEvent.objects.get(action="workspace.updated")
    assert event.details["changes"]["name"][1] == "New name"


def test_invite_answers_the_same_for_existing_and_unknown_addresses(
    client, owner, workspace, mailoutbox, django_capture_on_commit_callbacks
):
    """The inviter cannot tell whether an address has an operator account, and an
    existing operator joins only by accepting the invitation."""
    existing = OperatorFactory(email="known@example.com")
    client.force_login(owner)
    url = reverse("workspaces:member_list", args=[workspace.slug])
    answers = []
    for email in ("KNOWN@example.com", "unknown@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"email": email, "role": "admin"}, follow=True)
        answers.append(
            [str(m).replace(email.lower(), "X") for m in response.context["messages"]]
        )
    assert answers[0] == answers[1] == [["Invitation sent to X."]][0]
    assert not Membership.objects.filter(operator=existing).exists()
    assert audit_actions(workspace).count("invitation.created") == 2
    assert "membership.added" not in audit_actions(workspace)
    assert [m.to for m in mailoutbox] == [
        ["known@example.com"],
        ["unknown@example.com"],
    ]
    assert (
        mailoutbox[0].body.replace("known@", "X@").split("/invitations/")[0]
        == (mailoutbox[1].body.replace("unknown@", "X@").split("/invitations/")[0])
    )
    # The existing operator accepts, signed in.
    token = re.search(r"/console/invitations/(\S+)/", mailoutbox[0].body).group(1)
    accept = reverse("accounts:invitation_accept", args=[token])
    client.logout()
    assert "Sign in" in client.get(accept).content.decode()
    client.force_login(existing)
    client.post(accept)
    assert (
        Membership.objects.get(workspace=workspace, operator=existing).role == "admin"
    )


def test_invite_twice_is_a_clear_error(owner_client, workspace):
    url = reverse("workspaces:member_list", args=[workspace.slug])
    owner_client.post(url, {"email": "new@example.com", "role": "viewer"})
    response = owner_client.post(url, {"email": "New@Example.com", "role": "admin"})
    assert (
        response.context["form"].errors.as_data()["email"][0].code == "already_invited"
    )
    assert WorkspaceInvitation.objects.count() == 1


def test_invite_member_again_is_a_clear_error(owner_client, workspace, owner):
    response = owner_client.post(
        reverse("workspaces:member_list", args=[workspace.slug]),
        {"email": owner.email, "role": "viewer"},
    )
    assert (
        response.context["form"].errors.as_data()["email"][0].code == "already_member"
    )


def test_invitation_link_creates_operator_once(
    client, owner, workspace, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            workspace=workspace, actor=owner, email="new@example.com", role="admin"
        )
    link = re.search(r"http://\S+/console/invitations/(\S+)/", mailoutbox[0].body)
    token = link.group(1)
    invitation = WorkspaceInvitation.objects.get()
    assert (
        invitation.token_hash == token_hash(token)
        and token not in invitation.token_hash
    )
    url = reverse("accounts:invitation_accept", args=[token])

    mismatch = client.post(url, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert (
        mismatch.context["form"].errors.as_data()["password2"][0].code
        == "password_mismatch"
    )
    weak = client.post(url, {"password1": "short", "password2": "short"})
    assert (
        weak.context["form"].errors.as_data()["password1"][0].code
        == "password_too_short"
    )

    response = client.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    new = Membership.objects.get(workspace=workspace, operator__email="new@example.com")
    assert new.role == "admin"
    assert (
        client.get(
            reverse("workspaces:workspace_dashboard", args=[workspace.slug])
        ).status_code
        == 200
    )
    assert {"invitation.created", "operator.created", "invitation.accepted"} <= set(
        audit_actions(workspace)
    )
    # The link works once.
    client.logout()
    again = client.get(url)
    assert b"cannot be used" in again.content


def test_expired_invitation_cannot_be_used(
    client, owner, workspace, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            workspace=workspace, actor=owner, email="late@example.com", role="viewer"
        )
    token = re.search(r"/console/invitations/(\S+)/", mailoutbox[0].body).group(1)
    WorkspaceInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert b"cannot be used" in response.content
    assert not Membership.objects.filter(operator__email="late@example.com").exists()


def test_signed_in_operator_accepts_invitation_for_own_email(client, owner, workspace):
    invitee = OperatorFactory(email="invitee@example.com")
    token = "t" * 43
    WorkspaceInvitation.objects.create(
        workspace=workspace,
        email=invitee.email,
        role="viewer",
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=1),
    )
    stranger = OperatorFactory()
    client.force_login(stranger)
    client.post(reverse("accounts:invitation_accept", args=[token]))
    assert not Membership.objects.filter(
        workspace=workspace, operator=stranger
    ).exists()
    client.force_login(invitee)
    client.post(reverse("accounts:invitation_accept", args=[token]))
    assert Membership.objects.filter(workspace=workspace, operator=invitee).exists()


def test_revoke_invitation(owner_client, owner, workspace):
    invitation = services.member_invite(
        workspace=workspace, actor=owner, email="gone@example.com", role="viewer"
    )
    owner_client.post(
        reverse("workspaces:invitation_revoke", args=[workspace.slug, invitation.pk])
    )
    assert not WorkspaceInvitation.objects.exists()
    assert "invitation.revoked" in audit_actions(workspace)


def test_change_role_and_remove_audited(owner_client, workspace):
    member = MembershipFactory(workspace=workspace, role=Role.VIEWER)
    owner_client.post(
        reverse("workspaces:membership_role", args=[workspace.slug, member.pk]),
        {"role": "admin"},
    )
    member.refresh_from_db()
    assert member.role == Role.ADMIN
    owner_client.post(
        reverse("workspaces:membership_remove", args=[workspace.slug, member.pk])
    )
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert audit_actions(workspace)[-2:] == [
        "membership.role_changed",
        "membership.removed",
    ]


def test_bad_role_is_a_field_error(owner_client, workspace):
    member = MembershipFactory(workspace=workspace, role=Role.VIEWER)
    response = owner_client.post(
        reverse("workspaces:membership_role", args=[workspace.slug, member.pk]),
        {"role": "emperor"},
    )
    assert response.context["form"].errors.as_data()["role"][0].code == "invalid_choice"


def test_last_owner_cannot_be_demoted_or_removed(owner_client, workspace, owner):
    membership = Membership.objects.get(operator=owner, workspace=workspace)
    response = owner_client.post(
        reverse("workspaces:membership_role", args=[workspace.slug, membership.pk]),
        {"role": "viewer"},
    )
    assert response.context["form"].non_field_errors().as_data()[0].code == "last_owner"
    response = owner_client.post(
        reverse("workspaces:membership_remove", args=[workspace.slug, membership.pk]),
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_owner_can_leave_when_another_owner_exists(owner_client, workspace, owner):
    MembershipFactory(workspace=workspace, role=Role.OWNER)
    membership = Membership.objects.get(operator=owner, workspace=workspace)
    response = owner_client.post(
        reverse("workspaces:membership_remove", args=[workspace.slug, membership.pk])
    )
    assert response["Location"] == reverse("workspaces:workspace_list")
    assert (
        owner_client.get(
            reverse("workspaces:workspace_dashboard", args=[workspace.slug])
        ).status_code
        == 404
    )


def test_activity_is_newest_first_and_paginated(owner_client, workspace, owner):
    for n in range(55):
        services.workspace_update(
            workspace=workspace, actor=owner, name=f"Name {n}", description=""
        )
    url = reverse("workspaces:activity", args=[workspace.slug])
    first = owner_client.get(url)
    page = first.context["page"]
    assert len(page.items) == 50 and page.has_next
    assert page.items[0].details["changes"]["name"][1] == "Name 54"
    second = owner_client.get(url, {"before": page.next_cursor}).context["page"]
    assert len(second.items) == 5 and not second.has_next
    assert {e.pk for e in page.items}.isdisjoint({e.pk for e in second.items})
    assert owner_client.get(url, {"before": "garbage"}).status_code == 200


def test_activity_query_count_is_constant(
    owner_client, workspace, owner, django_assert_max_num_queries
):
    for n in range(60):
        services.workspace_update(
            workspace=workspace, actor=owner, name=f"N{n}", description=""
        )
    with django_assert_max_num_queries(8):
        response = owner_client.get(
            reverse("workspaces:activity", args=[workspace.slug])
        )
    assert response.status_code == 200
    assert len(response.context["page"].items) == 50


def test_viewer_sees_no_change_forms(client, workspace):
    viewer = MembershipFactory(workspace=workspace, role=Role.VIEWER).operator
    client.force_login(viewer)
    html = client.get(
        reverse("workspaces:member_list", args=[workspace.slug])
    ).content.decode()
    assert "Invite an operator" not in html and "Only owners" in html


def test_invitation_link_guessing_is_rate_limited(client):
    url = reverse("accounts:invitation_accept", args=["guess"])
    for _ in range(30):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429 and b"Too many attempts" in response.content
