"""Waiting after wrong codes, and every "wait" a page says: a slip or two with
an authenticator app costs nothing (three wrong codes in a row are free, then
the wait doubles from one second), for pool users and operators alike; and a
wait reads "1 second", "2 seconds", "15 minutes", never "1 seconds"."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.authenticators.throttle import FREE_WRONG_CODES
from accounts.authenticators.totp.services import totp_new_key, totp_verify
from accounts.models import TotpDevice
from core.catalogue import MESSAGES, message, wait_words
from tests.conftest import GOOD
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_at(key: str, when: float | None = None) -> str:
    app = TOTP(bytes.fromhex(key), 30, 0, 6, 0)
    app.time = time.time() if when is None else when
    return f"{app.token():06d}"


def wrong_for(right: str) -> str:
    return "000000" if right != "000000" else "111111"


@pytest.fixture
def key(ann) -> str:
    key = totp_new_key()
    TotpDevice.objects.create(user=ann, key=key)
    return key


def refused(**kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        totp_verify(**kwargs)
    return caught.value


# --- the words of a wait --------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "1 second"),
        (1, "1 second"),
        (2, "2 seconds"),
        (59, "59 seconds"),
        (119, "119 seconds"),
        (120, "2 minutes"),
        (121, "3 minutes"),
        (900, "15 minutes"),
        (3600, "60 minutes"),
        (7200, "2 hours"),
        (86_400, "24 hours"),
    ],
)
def test_wait_words_agree_with_their_number(seconds, words):
    assert wait_words(seconds) == words


def test_no_message_spells_out_its_own_unit_of_time():
    """A message that says "%(seconds)s seconds" says "1 seconds" one day: every
    wait goes through ``%(wait)s`` (``wait_words``)."""
    spelled = re.compile(r"%\(\w+\)[sd] (second|minute|hour|day)s\b")
    assert [key for key, text in MESSAGES.items() if spelled.search(str(text))] == []
    assert message("totp_throttled", wait=wait_words(1)) == (
        "Too many wrong codes. Wait 1 second, then try again."
    )
    assert "Wait 8 seconds," in message("totp_throttled", wait=wait_words(8))


# --- pool users' authenticator apps --------------------------------------------


def test_one_wrong_code_then_the_right_one_passes_at_once(ann, key):
    now = time.time()
    assert refused(user=ann, code=wrong_for(code_at(key, now))).code == (
        "totp_code_invalid"
    )
    totp_verify(user=ann, code=code_at(key, now))  # no wait
    assert TotpDevice.objects.get(user=ann).throttling_failure_count == 0


def test_three_slips_are_free_then_the_wait_doubles_from_one_second(ann, key):
    right = code_at(key)
    for _ in range(FREE_WRONG_CODES + 1):  # each one checked: no wait before it
        assert refused(user=ann, code=wrong_for(right)).code == "totp_code_invalid"
    slow = refused(user=ann, code=right)
    assert slow.code == "totp_throttled"
    assert "Wait 1 second," in slow.messages[0]
    past = timezone.now() - timedelta(seconds=1)
    TotpDevice.objects.update(throttling_failure_timestamp=past)
    assert refused(user=ann, code=wrong_for(right)).code == "totp_code_invalid"
    slower = refused(user=ann, code=right)
    assert "Wait 2 seconds," in slower.messages[0]
    TotpDevice.objects.update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    totp_verify(user=ann, code=right)  # the wait over, the right code passes


def test_a_slip_at_the_sign_in_page_then_the_right_code(pool, ann, key):
    page = reverse("hosted:sign_in_second", args=[pool.workspace.slug, pool.pk])
    client = Client()
    client.post(
        reverse("hosted:sign_in", args=[pool.workspace.slug, pool.pk]),
        {"identifier": "ann@example.com"},
    )
    client.post(
        reverse("hosted:sign_in_password", args=[pool.workspace.slug, pool.pk]),
        {"password": GOOD},
    )
    slip = client.post(page, {"code": wrong_for(code_at(key))})
    assert [e.code for e in slip.context["form"].non_field_errors().as_data()] == [
        "totp_code_invalid"
    ]
    done = client.post(page, {"code": code_at(key)})
    assert done["Location"] == reverse(
        "hosted:account", args=[pool.workspace.slug, pool.pk]
    )


# --- operators' authenticator apps ---------------------------------------------


def _operator_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6):06d}"


def test_an_operators_slip_then_the_right_code_signs_in(client, operator):
    device = TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    verify = reverse("accounts:login_verify")
    client.post(
        reverse("accounts:login"), {"email": operator.email, "password": PASSWORD}
    )
    right = _operator_code(device)
    slip = client.post(verify, {"code": wrong_for(right)})
    assert slip.context["form"].errors.as_data()["code"][0].code == "bad_code"
    done = client.post(verify, {"code": right})
    assert done.status_code == 302
    assert client.get("/console/").status_code == 200


def test_an_operators_wrong_codes_wait_by_the_same_rule(client, operator):
    device = TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    verify = reverse("accounts:login_verify")
    client.post(
        reverse("accounts:login"), {"email": operator.email, "password": PASSWORD}
    )
    right = _operator_code(device)
    for _ in range(FREE_WRONG_CODES + 1):
        slip = client.post(verify, {"code": wrong_for(right)})
        assert slip.context["form"].errors.as_data()["code"][0].code == "bad_code"
    slow = client.post(verify, {"code": right})
    assert slow.status_code == 429
    (problem,) = slow.context["form"].errors.as_data()["code"]
    assert problem.code == "totp_throttled"
    assert "Wait 1 second," in problem.messages[0]
