"""Limits on the messages the service sends on anyone's behalf (email and SMS).

Every invitation, resend or code costs the recipient an interruption (and an SMS
costs money), so each send first takes one unit of three allowances, kept in the
shared rate-limit table (``core.ratelimit``):

- per recipient, at most one message a minute (``MESSAGES_PER_RECIPIENT_PER_MINUTE``);
- per recipient, at most 10 a day (``MESSAGES_PER_RECIPIENT_PER_DAY``), whichever
  workspace sends them;
- per workspace, at most 1,000 a day (``MESSAGES_PER_WORKSPACE_PER_DAY``).

``send_quota_consume`` is called inside the transaction that records the send: when
it refuses, the whole change rolls back (nothing is written, nothing is counted),
and the ValidationError says which limit was reached and when to try again.

On a public page (sign-up, its "send a new code", "Forgot password?") that
answer would tell a stranger that an address has just been sent mail: there
(``public=True``) a recipient's limit refuses silently (False: nothing counted,
the caller sends nothing and answers as for any address); the workspace's limit
is checked first and still says so, as it does for every address alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from core import ratelimit
from core.catalogue import error, wait_words

MINUTE = 60
DAY = 24 * 60 * 60


class _Refused(Exception):
    def __init__(self, reason: str, limit: ratelimit.Limit) -> None:
        self.reason, self.limit = reason, limit


def send_quota_consume(*, workspace, recipient: str, public: bool = False) -> bool:
    """Count one message to ``recipient`` (a normalised email address or E.164
    number) sent for ``workspace``, or raise ValidationError with code
    ``send_rate_limited`` when a limit is reached. Must run inside the caller's
    transaction (``transaction.atomic``), so a refusal writes nothing.

    ``public``: the send is a public page's; a recipient's limit then returns
    False instead (nothing counted; send nothing, answer as for any address).
    Returns True when the message may go."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("send_quota_consume must run inside transaction.atomic()")
    limits = settings.MESSAGE_RATE_LIMITS
    checks = [
        (
            "recipient_minute",
            ratelimit.Limit(
                f"send:recipient-minute:{recipient}",
                limits["recipient_per_minute"],
                MINUTE,
            ),
        ),
        (
            "recipient_day",
            ratelimit.Limit(
                f"send:recipient-day:{recipient}", limits["recipient_per_day"], DAY
            ),
        ),
        (
            "workspace_day",
            ratelimit.Limit(
                f"send:workspace-day:{workspace.pk}", limits["workspace_per_day"], DAY
            ),
        ),
    ]
    if public:
        # The workspace first: its refusal is the same whichever the address.
        checks.insert(0, checks.pop())
    try:
        with transaction.atomic():  # a refusal counts nothing
            for reason, limit in checks:
                if ratelimit.hit(limit) > limit.max_events:
                    raise _Refused(reason, limit)
    except _Refused as refused:
        if public and refused.reason != "workspace_day":
            return False
        raise error(
            f"send_rate_limited.{refused.reason}",
            recipient=recipient,
            max=refused.limit.max_events,
            wait=wait_words(ratelimit.retry_after(refused.limit)),
        ) from None
    return True
