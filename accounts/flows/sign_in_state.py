"""The sign-in's state in this browser's hosted session, in one place: every key
the sign-in keeps there and the helpers that read, write and clear them.
Nothing else spells these keys (a test holds it so).

- ``IDENTIFIER_KEY``: the sign-in under way (its "attempt"): the identifier
  typed, the attempt's id (sign-in codes are bound to it), the stage it waits
  at (``flows.pipeline``: "first", "second", "enrol", "enrolled") and, once the
  first factor passed, the user, the first factor's method and whether the
  password must change; which codes were sent.
- ``CHANGE_KEY``: a sign-in whose every factor passed, waiting for a new
  password.
- ``SIGNED_IN_KEY``: the signed-in user, their single sign-on session, the
  method and when ("at").
- ``AUTHORIZE_KEY``: an application's authorization request waiting for the
  sign-in to finish, kept by the OpenID provider (``oidc.authorize``).
- ``CONFIRMED_KEY``, ``CONFIRM_NEXT_KEY``: the recent sign-in, when the user
  confirmed their password ("Confirm it's you"), and the page to go back to.

Other hosted flows keep their waiting steps beside their flow (sign-up, reset,
a new address: ``SessionPending``; an app being set up: ``flows.security``;
passkey ceremonies: ``hosted.passkey_views``). The session engine is
``accounts.sessions``, put on the request by ``hosted.session``.
"""

from __future__ import annotations

import secrets
import time
import uuid
from contextlib import nullcontext

from django.db import transaction

from core.fastpath.writes import Writes
from identity_pools.models import PoolUser

from ..sso import sso_session_end, sso_session_start
from .pending import session_start, session_value
from .pipeline import FIRST_FACTOR

IDENTIFIER_KEY = "sign_in"
CHANGE_KEY = "sign_in_change"
SIGNED_IN_KEY = "pool_user"
# ("workspace": its id, "at": when it was kept, "origin": where the answer
# goes, "continue": where to pick it up again once signed in, "query", ...)
AUTHORIZE_KEY = "authorize"
AUTHORIZE_SECONDS = 15 * 60
CONFIRMED_KEY = "confirmed_at"
CONFIRM_NEXT_KEY = "confirm_next"

KEYS = (
    IDENTIFIER_KEY,
    CHANGE_KEY,
    SIGNED_IN_KEY,
    AUTHORIZE_KEY,
    CONFIRMED_KEY,
    CONFIRM_NEXT_KEY,
)


# --- the sign-in under way ------------------------------------------------------


def sign_in_begin(session, *, pool, identifier: str) -> dict:
    """A new sign-in attempt in this browser (its own id binds sign-in codes),
    at the first factor. Returns its state."""
    session_start(
        session,
        key=IDENTIFIER_KEY,
        pool=pool,
        identifier=identifier,
        attempt=uuid.uuid4().hex,
        stage=FIRST_FACTOR.name,
    )
    return session[IDENTIFIER_KEY]


def attempt_of(session, *, pool, stages=()) -> dict | None:
    """The sign-in under way in this browser for ``pool`` (its state), or None:
    none, another pool's, forgotten after ``pending.STEP_SECONDS``, or waiting
    at a stage other than one of ``stages`` (``flows.pipeline`` stages) when
    given."""
    state = session_value(session, key=IDENTIFIER_KEY, pool=pool)
    if state is None or (
        stages and state.get("stage") not in {stage.name for stage in stages}
    ):
        return None
    return state


def attempt_wait(
    session, *, pool, stage, user, first: str, must_change: bool, fresh: bool
) -> None:
    """The sign-in waits at ``stage`` (a ``flows.pipeline`` stage) for ``user``,
    whose first factor (``first``) passed. ``fresh``: a new attempt (a step-up
    of a signed-in browser), else the identifier and attempt typed are kept."""
    state = {} if fresh else (session.get(IDENTIFIER_KEY) or {})
    session_start(
        session,
        key=IDENTIFIER_KEY,
        pool=pool,
        identifier=state.get("identifier", ""),
        attempt=state.get("attempt") or secrets.token_hex(16),
        stage=stage.name,
        user=str(user.pk),
        first=first,
        must_change=must_change,
    )


def attempt_identifier(session) -> str | None:
    """The identifier typed for the sign-in under way (whatever its pool)."""
    return (session.get(IDENTIFIER_KEY) or {}).get("identifier")


def attempt_code_sent(session, state: dict, *, method: str) -> None:
    """A first-factor code (``method``) went out for the attempt ``state``."""
    state["sent"] = method
    session.modified = True


def attempt_second_sent(session, state: dict, *, method: str, to: str) -> None:
    """A second-factor code (``method``) went out to ``to`` (masked)."""
    state.setdefault("sent", {})[method] = to
    session.modified = True


def attempt_enrolled(session, *, stage, method: str) -> None:
    """The sign-in under way set up its second factor (``method``) and now
    waits at ``stage``."""
    state = session[IDENTIFIER_KEY]
    state["stage"] = stage.name
    state["enrolled"] = method
    session.modified = True


def attempt_forget(session) -> None:
    session.pop(IDENTIFIER_KEY, None)


# --- a password that must change first -----------------------------------------


def change_begin(session, *, pool, user, method: str) -> None:
    """Every factor passed; ``user`` chooses a new password before the sign-in
    completes (as ``method``)."""
    session_start(session, key=CHANGE_KEY, pool=pool, user=str(user.pk), method=method)


def change_pending(session, *, pool) -> dict | None:
    """The sign-in waiting for a new password (``user``, ``method``), or None."""
    return session_value(session, key=CHANGE_KEY, pool=pool)


# --- signed in --------------------------------------------------------------------


def signed_in_value(session, *, pool, seconds: int) -> dict | None:
    """What this browser keeps of its sign-in to ``pool`` (``user``, ``sso``,
    ``method``, ``at``) younger than ``seconds``, or None. Whether the user and
    their single sign-on session are still good: ``signed_in_user``."""
    return session_value(session, key=SIGNED_IN_KEY, pool=pool, seconds=seconds)


def signed_in_pool_id(session) -> str | None:
    """The id of the pool this browser signed in to, if any."""
    return (session.get(SIGNED_IN_KEY) or {}).get("pool")


def signed_in_sso(session) -> str | None:
    """The id of this browser's single sign-on session, if any."""
    return (session.get(SIGNED_IN_KEY) or {}).get("sso")


def signed_in_at(session) -> float:
    """When this browser signed in (a time.time()), 0 when it did not."""
    return (session.get(SIGNED_IN_KEY) or {}).get("at", 0)


def signed_in_user(session, *, pool, seconds: int) -> PoolUser | None:
    """The pool user this hosted session signed in, or None (also when their
    single sign-on session was ended: signed out elsewhere, by an application's
    logout or by an operator)."""
    data = signed_in_value(session, pool=pool, seconds=seconds)
    if data is None or not data.get("sso"):
        return None
    user = (
        PoolUser.objects.for_pool(pool)
        .filter(
            pk=data["user"],
            status=PoolUser.Status.ACTIVE,
            sso_sessions__id=data["sso"],
            sso_sessions__ended_at__isnull=True,
        )
        .first()
    )
    if user is not None:
        user.pool = pool
    ended = user.sessions_ended_at if user else None
    if user is None or (ended and ended.timestamp() >= data["at"]):
        session.pop(SIGNED_IN_KEY, None)  # signed out everywhere, or deactivated
        return None
    return user


def session_sign_in(session, *, pool, user, method: str = "password", writes=None):
    """Sign ``user`` in on this browser: the session gets a new key (no
    fixation: the old key names nothing afterwards) and holds only the
    signed-in user and their new single sign-on session; pending steps of the
    sign-in, sign-up or reset are forgotten, an application's authorization
    request waiting for this sign-in is kept. The hosted store writes it now
    (``rotate``: one UPDATE of the old row) rather than a DELETE then an
    INSERT, with the single sign-on session: as parts of ``writes``
    (``core.fastpath.writes.Writes``) when given, else in one statement of their own."""
    waiting = session.get(AUTHORIZE_KEY)
    renew = signed_in_sso(session)
    own = writes is None
    writes = Writes() if own else writes
    with transaction.atomic() if own and renew else nullcontext():
        sso = sso_session_start(
            user=user,
            method=method,
            ip=getattr(session, "client_ip", None),
            user_agent=getattr(session, "user_agent", ""),
            renew=renew,
            writes=writes,
        )
        session.clear()
        session_start(
            session,
            key=SIGNED_IN_KEY,
            pool=pool,
            user=str(user.pk),
            sso=str(sso.pk),
            method=method,
        )
        if waiting:
            session[AUTHORIZE_KEY] = waiting
        session.rotate(writes)  # the hosted pages' store (accounts.hosted.session)
        if own:
            writes.run()


def session_sign_out(session) -> None:
    """Sign this browser out: its single sign-on session ends (and the tokens
    issued under it), the hosted session is deleted."""
    sso = signed_in_sso(session)
    if sso:
        sso_session_end(session_id=sso, reason="signed_out")
    session.flush()


# --- an application's request waiting for the sign-in -------------------------


def authorize_keep(session, *, workspace, values: dict) -> None:
    """Keep an authorization request of ``workspace`` (``values``: "query",
    "origin", "continue", ...) in this browser from now."""
    session[AUTHORIZE_KEY] = {
        "workspace": str(workspace.pk),
        "at": time.time(),
        **values,
    }


def authorize_pending(session, *, workspace) -> dict | None:
    """The authorization request of ``workspace`` waiting in this browser
    (``AUTHORIZE_KEY``), forgotten after AUTHORIZE_SECONDS."""
    data = session.get(AUTHORIZE_KEY)
    if not data or data.get("workspace") != str(workspace.pk):
        return None
    if time.time() - data.get("at", 0) > AUTHORIZE_SECONDS:
        session.pop(AUTHORIZE_KEY, None)
        return None
    return data


def authorize_origin(session) -> str | None:
    """The origin a waiting authorization request's answer goes to, if any
    (whatever its workspace or age)."""
    return (session.get(AUTHORIZE_KEY) or {}).get("origin")


def authorize_forget(session) -> None:
    session.pop(AUTHORIZE_KEY, None)


# --- the recent sign-in ("Confirm it's you") ----------------------------------


def confirmed_last(session) -> float:
    """When this browser last signed in or confirmed the password (a
    time.time()), 0 when neither."""
    return max(signed_in_at(session), session.get(CONFIRMED_KEY, 0))


def confirmed_keep(session, *, at: float) -> None:
    """The user confirmed their password in this browser ``at`` (a
    time.time())."""
    session[CONFIRMED_KEY] = at


def confirm_next_keep(session, *, page: str) -> None:
    """The page "Confirm it's you" sends the user back to."""
    session[CONFIRM_NEXT_KEY] = page


def confirm_next_take(session) -> str | None:
    """The page kept by ``confirm_next_keep``, forgotten as it is read."""
    return session.pop(CONFIRM_NEXT_KEY, None)
