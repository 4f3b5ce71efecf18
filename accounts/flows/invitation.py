"""Registering from an invitation link: the link's token finds the user's open
invitation code; accepting it sets the password, completes the user data and
activates the user, once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.catalogue import error
from core.tokens import token_hash
from identity_pools.services.users import pool_user_register
from identity_pools.stats import pool_stat_add

from ..authenticators.passwords import password_set
from ..models import Code


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
