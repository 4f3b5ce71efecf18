"""Invitations of pool users: the link an operator's "Send invitation" sends
(Create User and "Resend invitation", through
``identity_pools.signals.pool_user_invited``), and registering from it: the link's
token finds the user's open invitation code; accepting it sets the password,
completes the user data and activates the user, once."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.catalogue import error
from core.delivery import send_templated
from core.delivery.email import absolute_url
from core.delivery.limits import send_quota_consume
from core.tokens import token_hash
from identity_pools.policies.codes import code_rules_for
from identity_pools.services.users import pool_user_register
from identity_pools.stats import pool_stat_add

from ..authenticators.codes.services import code_issue_link_token, code_send_failed
from ..authenticators.passwords.services import password_set
from ..models import Code


def invitation_link(*, workspace_slug: str, token: str) -> str:
    """The registration link of an invitation (the hosted page under /w/<workspace>/)."""
    return absolute_url(
        reverse("hosted:invitation_register", args=[workspace_slug, token])
    )


def _send(*, user, identifier, code: Code, secret: str) -> None:
    pool = user.pool
    context = {
        "pool": pool,
        "name": user.display_name,
        "link": invitation_link(workspace_slug=pool.workspace.slug, token=secret),
        "expires_at": code.expires_at,
    }
    if not send_templated(
        channel=identifier.type,
        to=identifier.value,
        template="pool_invitation",
        context=context,
    ):
        code_send_failed(code=code)


def invitation_send(*, user, identifier) -> Code:
    """A new invitation link for ``user`` (the earlier one stops working), sent
    to ``identifier`` once the caller's transaction commits. Call inside it.

    Raises ValidationError ``send_rate_limited`` when the address or the
    workspace has had too many messages (``core.delivery.limits``), or
    ``code_resend_too_soon``."""
    pool = user.pool
    send_quota_consume(workspace=pool.workspace, recipient=identifier.value)
    code, secret = code_issue_link_token(
        user=user,
        purpose=Code.Purpose.INVITATION,
        identifier=identifier,
        rules=code_rules_for(pool, Code.Purpose.INVITATION),
    )
    transaction.on_commit(
        lambda: _send(user=user, identifier=identifier, code=code, secret=secret)
    )
    return code


def invitation_on_user_invited(sender, *, user, identifier, **kwargs):
    """``identity_pools.signals.pool_user_invited``'s receiver (in the
    transaction of Create User or "Resend invitation"): the link goes to
    ``identifier``. Returns when it expires."""
    return invitation_send(user=user, identifier=identifier).expires_at


def _invitations(workspace):
    return Code.objects.usable().filter(
        purpose=Code.Purpose.INVITATION, user__pool__workspace=workspace
    )


def invitation_lookup(*, workspace, token: str) -> Code | None:
    """The open invitation code of ``token`` in ``workspace`` (with its user, the
    user's pool and the address it went to), or None when the link is unknown,
    expired, used or replaced."""
    return (
        _invitations(workspace)
        .select_related("user__pool__user_schema", "identifier")
        .filter(code_hash=token_hash(token))
        .first()
    )


def invitation_accept(*, workspace, token: str, password: str, user_data: dict):
    """Redeem the invitation ``token``: the user chooses ``password`` and completes
    ``user_data``; the code is used up. Returns the active user.

    Raises ValidationError: ``invitation_link_invalid`` when the link no longer
    works (also when a concurrent request redeemed it first), or the registration's
    errors on "password" and "user_data" (nothing is written then).
    """
    with transaction.atomic():
        code = (
            _invitations(workspace)
            .select_for_update()
            .filter(code_hash=token_hash(token))
            .first()
        )
        if code is None:
            raise error("invitation_link_invalid")
        user = pool_user_register(
            user=code.user,
            identifier=code.identifier,
            password=password,
            user_data=user_data,
        )
        password_set(user=user, raw_password=password)
        Code.objects.filter(pk=code.pk).update(used_at=timezone.now())
        pool_stat_add(pool=user.pool, kind="sign_up")
    return user
