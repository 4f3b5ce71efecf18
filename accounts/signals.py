"""What ``accounts`` tells the apps above it (``oidc``) when a pool user's
sign-in ends, so that what they issued under it stops too. Each is sent inside
the transaction of the change, so the receivers' writes commit or roll back
with it; a receiver connects in its app's ``AppConfig.ready()``.

``sso_session_ended(sender=SsoSession, session_id, now)``
    One single sign-on session ended (``accounts.sso.sso_session_end``: signed
    out, RP-initiated logout, another user signing in on the browser, the
    user's "Sign out" of another browser, the operator's "Revoke"). Receivers
    stop what was issued under it, as of ``now``, and return how many tokens
    they stopped (the session's audit event counts them).

``user_signed_out_everywhere(sender=PoolUser class, user, now)``
    Every session of ``user`` ended at ``now`` (``accounts.authenticators.
    events.sessions_end``: "Sign out everywhere", a new password, a reset).
    Receivers stop everything issued to the user, offline access too.
"""

from __future__ import annotations

from django.dispatch import Signal

sso_session_ended = Signal()
user_signed_out_everywhere = Signal()
