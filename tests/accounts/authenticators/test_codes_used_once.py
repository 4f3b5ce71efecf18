"""One-time codes are used once. The guard is the read of the code under its
row lock: ``code_verify`` takes only an unused code (``Code.objects.usable()``,
``used_at`` empty) with SELECT … FOR UPDATE, and marks it used in the same
transaction; a second use finds no unused code. (Two uses at once:
test_sign_in_methods.py::test_one_sign_in_code_submitted_twice_at_once_passes_once.)
Here, one after the other, for every purpose: a removed check fails."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.authenticators.codes.services import code_issue, code_verify
from accounts.models import Code

pytestmark = pytest.mark.django_db

ATTEMPT = "0" * 31 + "1"


@pytest.mark.parametrize(
    ("purpose", "attempt"),
    [
        (Code.Purpose.SIGN_IN, ATTEMPT),
        (Code.Purpose.SIGN_IN, None),
        (Code.Purpose.VERIFY_IDENTIFIER, None),
        (Code.Purpose.PASSWORD_RESET, None),
        (Code.Purpose.PASSKEY_ENROLMENT, None),
    ],
)
def test_a_code_works_once(ann, purpose, attempt):
    to = ann.identifiers.get()
    issued, secret = code_issue(
        user=ann, purpose=purpose, identifier=to, attempt=attempt
    )
    used = code_verify(user=ann, purpose=purpose, secret=secret, attempt=attempt)
    assert used.pk == issued.pk
    first_use = Code.objects.get(pk=issued.pk).used_at
    assert first_use is not None
    with pytest.raises(ValidationError) as again:
        code_verify(user=ann, purpose=purpose, secret=secret, attempt=attempt)
    assert again.value.code == "code_invalid"
    # Left as the first use left it: not used again, no wrong try counted.
    after = Code.objects.get(pk=issued.pk)
    assert (after.used_at, after.attempts) == (first_use, 0)
