"""What a signed-in end user does on their account page: change the password
(the current one first: a wrong one counts as a failed sign-in of each of the
user's identifiers, so the page is no way around the sign-in block); sign out
their other browsers; delete the account, where the pool allows it."""

from __future__ import annotations

import time
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from core import ratelimit
from core.catalogue import error, wait_words
from identity_pools.models import PoolUser
from identity_pools.policies.sign_in import sign_in_policy_for
from identity_pools.services.users import pool_user_delete

from ..authenticators.events import sessions_end, user_audit, user_notice
from ..authenticators.lockout.services import lock_fail, lock_wait
from ..authenticators.passwords.services import (
    password_set,
    password_verify,
    user_password_check,
)
from ..sso import sso_session_end, user_sso_sessions
from .sign_in import ADDRESS_LIMIT
from .sign_in_state import confirmed_keep, confirmed_last, session_sign_out

# Changes that let someone take an account over (the addresses codes and
# resets go to) need a sign-in, or a password confirmed, this recent: a
# browser left signed in is not enough.
RECENT_SECONDS = 15 * 60


def account_recently_confirmed(session) -> bool:
    """Whether this hosted session signed in, or confirmed its password, in
    the last RECENT_SECONDS."""
    return time.time() - confirmed_last(session) < RECENT_SECONDS


def account_confirm(session, *, user: PoolUser, current: str, ip) -> None:
    """The signed-in user confirms it is them with their password (as a
    sign-in counts it): the session is recent again for RECENT_SECONDS.
    Raises ValidationError on "current_password"."""
    account_password_confirm(
        user=user, current=current, ip=ip, failed="pool_user.reauthentication_failed"
    )
    confirmed_keep(session, at=time.time())


def _field(name: str, exc: ValidationError) -> ValidationError:
    return ValidationError({name: exc.error_list})


def account_password_confirm(*, user: PoolUser, current: str, ip, failed: str) -> None:
    """Check the user's ``current`` password, as a sign-in would count it: a
    block of any of their identifiers or of this client address refuses it
    first, and a wrong one counts as a failed sign-in of each identifier
    (audited as ``failed``). Raises ValidationError on "current_password"
    (``password_incorrect``, ``sign_in_blocked``)."""
    pool = user.pool
    values = list(user.identifiers.order_by("id").values_list("value", flat=True))
    address = ratelimit.Limit(f"hosted:signin:{ip}", *ADDRESS_LIMIT)
    wait = max([lock_wait(pool=pool, identifier=v) or 0 for v in values] or [0])
    if ratelimit.is_limited(address):
        wait = max(wait, ratelimit.retry_after(address))
    if wait:
        raise _field(
            "current_password",
            error("sign_in_blocked", wait=wait_words(wait)),
        )
    if password_verify(user=user, raw_password=current) is None:
        policy = sign_in_policy_for(pool)
        for value in values:
            lock_fail(pool=pool, identifier=value, policy=policy)
        ratelimit.hit(address)
        with transaction.atomic():
            user_audit(user, failed, {"reason": "bad_password"})
        raise _field("current_password", error("password_incorrect"))


def account_change_password(
    *, user: PoolUser, current: str, password: str, ip
) -> PoolUser:
    """Check ``current``, then set ``password`` (the pool's policy and history),
    end the user's other sessions and send a notice. Raises ValidationError on
    "current_password" (``password_incorrect``, ``sign_in_blocked``) or on
    "password" (``password_unchanged``, the policy's errors)."""
    account_password_confirm(
        user=user, current=current, ip=ip, failed="pool_user.password_change_failed"
    )
    if password == current:
        raise _field("password", error("password_unchanged"))
    user_password_check(user=user, password=password)
    with transaction.atomic():
        password_set(user=user, raw_password=password)
        sessions_end(user=user)
        user_audit(user, "pool_user.password_changed", {"at": "account"})
        user_notice(user, "password_changed")
    return user


def account_sessions_end(*, user, current, which: str) -> int:
    """Sign ``user`` out of another browser: ``which`` is the id of one of
    their open single sign-on sessions, or "others" for all but ``current``
    (this browser's, which the page's own "Sign out" ends). Each ended
    session's tokens stop working; each end is audited, the user as actor.
    Returns how many ended (0: already ended, this browser's, or not theirs)."""
    if which == "others":
        ids = [s.pk for s in user_sso_sessions(user=user) if str(s.pk) != current]
    else:
        try:
            ids = [uuid.UUID(which)]
        except ValueError:  # not a session id at all
            return 0
        if str(ids[0]) == current:
            return 0
    return sum(
        sso_session_end(session_id=pk, user=user, actor=user, reason="user")
        for pk in ids
    )


def account_delete(session, *, user: PoolUser) -> None:
    """The user deletes their own account (the pool's ``self_service_delete``):
    this browser is signed out, then the user goes with their identifiers,
    credentials, sessions and tokens (``pool_user_delete``, audited with the
    user as actor); their first verified address is told."""
    with transaction.atomic():
        user_notice(user, "account_deleted")  # its address, read before it goes
        session_sign_out(session)
        pool_user_delete(user=user, actor=user)
