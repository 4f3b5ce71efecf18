"""Every message the console sends is limited per recipient and per workspace
(accounts.send_limits), with a clear message when refused and nothing written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.delivery import sms
from core.models import AuditEvent
from identity_pools.models import PoolUser
from identity_pools.services import users
from tests.factories import IdentityPoolFactory, WorkspaceFactory
from tests.identity_pools.conftest import USER_FORM
from workspaces import services as workspace_services
from workspaces.models import WorkspaceInvitation

pytestmark = pytest.mark.django_db

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}
MOBILE = "+447911123456"


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "core.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, name="P<img src=x>&Co")


def _invite(pool, owner, identifier=MOBILE):
    return users.pool_user_create(
        pool=pool, actor=owner, identifier=identifier, user_data=ANN, mode="invite"
    )


def test_twenty_resend_clicks_send_one_sms(
    owner_client,
    owner,
    workspace,
    pool,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = _invite(pool, owner)
    resend = reverse(
        "identity_pools:pool_user_invitation_resend",
        args=[workspace.slug, pool.pk, user.pk],
    )
    for _ in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(resend, follow=True)
        assert "less than a minute ago" in response.content.decode()
    assert len(sms_outbox) == 1
    assert AuditEvent.objects.filter(action="pool_user.invitation_sent").count() == 0


def test_one_recipient_gets_at_most_ten_messages_a_day(
    owner, pool, sms_outbox, time_passes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = _invite(pool, owner)
    for _ in range(9):
        time_passes(61)
        with django_capture_on_commit_callbacks(execute=True):
            users.pool_user_invitation_resend(user=user, actor=owner)
    time_passes(61)
    with pytest.raises(ValidationError) as info:
        users.pool_user_invitation_resend(user=user, actor=owner)
    assert info.value.code == "send_rate_limited"
    assert "has been sent 10 messages today" in info.value.messages[0]
    assert len(sms_outbox) == 10
    # A day later it may be sent again.
    time_passes(24 * 3600)
    users.pool_user_invitation_resend(user=user, actor=owner)


def test_the_recipient_limit_spans_workspaces(owner, mailoutbox):
    other = WorkspaceFactory()
    workspace_services.member_invite(
        workspace=IdentityPoolFactory().workspace,
        actor=owner,
        email="ann@example.com",
        role="viewer",
    )
    with pytest.raises(ValidationError) as info:
        workspace_services.member_invite(
            workspace=other, actor=owner, email="ann@example.com", role="viewer"
        )
    assert "less than a minute ago" in " ".join(info.value.messages)
    assert WorkspaceInvitation.objects.filter(workspace=other).count() == 0


def test_workspace_daily_cap_refuses_and_writes_nothing(
    settings, owner, workspace, pool, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MESSAGE_RATE_LIMITS = {
        **settings.MESSAGE_RATE_LIMITS,
        "workspace_per_day": 2,
    }
    with django_capture_on_commit_callbacks(execute=True):
        workspace_services.member_invite(
            workspace=workspace, actor=owner, email="a@example.com", role="viewer"
        )
        _invite(pool, owner, "b@example.com")
    with pytest.raises(ValidationError) as info:
        workspace_services.member_invite(
            workspace=workspace, actor=owner, email="c@example.com", role="viewer"
        )
    assert info.value.code == "send_rate_limited"
    assert "MESSAGES_PER_WORKSPACE_PER_DAY" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        _invite(pool, owner, "d@example.com")
    assert info.value.code == "send_rate_limited"
    assert WorkspaceInvitation.objects.count() == 1
    assert PoolUser.objects.count() == 1
    assert len(mailoutbox) == 2


def test_create_user_refused_by_a_limit_is_a_form_error(
    settings, owner_client, workspace, pool
):
    settings.MESSAGE_RATE_LIMITS = {
        **settings.MESSAGE_RATE_LIMITS,
        "workspace_per_day": 0,
    }
    response = owner_client.post(
        reverse("identity_pools:pool_user_create", args=[workspace.slug, pool.pk]),
        USER_FORM,
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == [
        "send_rate_limited"
    ]
    assert not PoolUser.objects.exists()


def test_text_messages_are_not_html_escaped(
    owner, workspace, pool, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    """Subjects, bodies and SMS are plain text: "P<img src=x>&Co" stays as typed
    (the workspace's name: what messages to users name)."""
    workspace.name = "P<img src=x>&Co"
    workspace.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        _invite(pool, owner)
        _invite(pool, owner, "ann@example.com")
    assert "P<img src=x>&Co" in sms_outbox[0].body
    assert mailoutbox[0].subject == "Your invitation to P<img src=x>&Co"
    assert "P<img src=x>&Co" in mailoutbox[0].body
    assert "&lt;" not in mailoutbox[0].subject + mailoutbox[0].body
