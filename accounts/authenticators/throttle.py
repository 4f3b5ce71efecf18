"""How long wrong authenticator-app codes make the next try wait: the one rule
of pool users' apps (``TotpDevice``) and operators' (django-otp's
``TOTPDevice``, whose own throttle ``OTP_TOTP_THROTTLE_FACTOR = 0`` turns off).

The first ``FREE_WRONG_CODES`` wrong codes in a row cost nothing: a typo, or a
code typed as it changed, is retried at once. Each further wrong code doubles
the wait before the next check, from one second: 1, 2, 4, 8 … seconds (as
django-otp's ``ThrottlingMixin``, shifted by three, and capped where it caps).
A right code starts the count again. A guesser thus gets 3 + 17 tries in a
day and about 28 in a year, each right with odds of 3 in a million (a code is
accepted one time step either side); at sign-in every wrong code also counts
towards the pool's block of the identifier.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.utils import timezone
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS

FREE_WRONG_CODES = 3


def wrong_codes_locked_until(
    *, failures: int, last_failure: datetime | None
) -> datetime | None:
    """When the next code may be checked after ``failures`` wrong codes in a
    row, the last at ``last_failure``; None when at once (whatever the time)."""
    over = failures - FREE_WRONG_CODES
    if over <= 0 or last_failure is None:
        return None
    delay = min(2 ** min(over - 1, 64), MAX_THROTTLE_DELAY_SECONDS)
    return last_failure + timedelta(seconds=delay)


def wrong_codes_wait(*, failures: int, last_failure: datetime | None) -> int:
    """Seconds left before the next code may be checked (0: now)."""
    until = wrong_codes_locked_until(failures=failures, last_failure=last_failure)
    if until is None:
        return 0
    return max(0, math.ceil((until - timezone.now()).total_seconds()))
