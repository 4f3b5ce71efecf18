"""Passkeys on the hosted pages: the JSON endpoints of the ceremonies as the
page's script drives them (usernameless and identified sign-in, the second
factor, registration from the account page, at enrolment and after a
registration), their refusals (passkeys off, malformed or huge bodies, another
browser's challenge, no CSRF token) and the account's passkey page."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from accounts.flows.pending import session_start
from accounts.hosted.session import HostedSessionMiddleware
from accounts.hosted.views import PASSKEY_OFFER_KEY
from accounts.models import Passkey, SsoSession, WebAuthnChallenge
from core.catalogue import message
from core.models import AuditEvent
from tests.accounts.authenticators.test_passkeys_services import (
    GOOD,
    enrol,
    policy,
    post_json,
)
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory, PoolUserFactory
from tests.passkey_authenticator import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webauthn_localhost")]


@pytest.fixture
def bob(pool):
    return PoolUserFactory(pool=pool, email="bob@example.com")


def browser_sign_in(client, pool, device, *, identified=False, **kwargs):
    """What passkeys.js does on the sign-in pages."""
    start = post_json(client, url(pool, "passkey_sign_in_options"), {})
    assert start.status_code == 200, start.content
    body = start.json()
    return post_json(
        client,
        url(pool, "passkey_sign_in_verify"),
        {
            "challenge": body["challenge"],
            "credential": device.sign_in(body["options"], **kwargs),
            "identified": identified,
        },
    )


def browser_register(client, pool, device, *, prefix="passkey_account", name=""):
    start = post_json(client, url(pool, f"{prefix}_options"), {})
    assert start.status_code == 200, start.content
    body = start.json()
    return post_json(
        client,
        url(pool, f"{prefix}_verify"),
        {
            "challenge": body["challenge"],
            "credential": device.register(body["options"]),
            "name": name,
        },
    )


def password_sign_in(client, pool):
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    return client.post(url(pool, "sign_in_password"), {"password": GOOD})


@pytest.mark.parametrize("second_factor", ["off", "optional", "required"])
def test_usernameless_sign_in_page(client, ann, pool, second_factor):
    policy(pool, second_factor=second_factor)
    device = enrol(ann)
    page = client.get(url(pool, "sign_in")).content.decode()
    assert "Sign in with a passkey" in page
    assert 'autocomplete="username webauthn"' in page
    assert url(pool, "passkey_sign_in_options") in page
    response = browser_sign_in(client, pool, device)
    # A passkey with user verification is both factors: signed in at once.
    assert response.json() == {"redirect": url(pool, "account")}
    assert client.get(url(pool, "account")).status_code == 200
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert event.details == {"method": "passkey"}


def test_a_synced_passkey_signs_in_at_once_and_is_recorded_as_synced(client, ann, pool):
    policy(pool, second_factor="required")
    device = enrol(ann, SoftAuthenticator(synced=True))
    response = browser_sign_in(client, pool, device)
    assert response.json() == {"redirect": url(pool, "account")}
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert event.details == {"method": "synced_passkey"}
    # Applications are told "swk" (RFC 8176: a software-secured key).
    assert SsoSession.objects.get(user=ann).method == "synced_passkey"


def test_sign_in_after_an_identifier(client, ann, bob, pool):
    policy(pool, preferred_method="passkey")
    mine, bobs = enrol(ann), enrol(bob)
    assert client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})[
        "Content-Location"
    ] == url(pool, "sign_in_passkey")
    page = client.get(url(pool, "sign_in_passkey")).content.decode()
    assert 'data-identified="true"' in page
    refused = browser_sign_in(client, pool, bobs, identified=True)
    assert refused.status_code == 400
    assert "could not be verified" in refused.json()["error"]
    done = browser_sign_in(client, pool, mine, identified=True)
    assert done.json() == {"redirect": url(pool, "account")}


def test_two_ceremonies_started_at_once_in_one_browser_both_verify(client, ann, pool):
    """The autofill's request and a click on the button may overlap: each
    challenge stays good (single use, stored server-side), whichever ends first."""
    device = enrol(ann)
    first = post_json(client, url(pool, "passkey_sign_in_options"), {}).json()
    second = post_json(client, url(pool, "passkey_sign_in_options"), {}).json()
    assert first["challenge"] != second["challenge"]
    done = post_json(
        client,
        url(pool, "passkey_sign_in_verify"),
        {
            "challenge": second["challenge"],
            "credential": device.sign_in(second["options"]),
        },
    )
    assert done.json() == {"redirect": url(pool, "account")}
    again = post_json(
        client,
        url(pool, "passkey_sign_in_verify"),
        {
            "challenge": second["challenge"],
            "credential": device.sign_in(second["options"]),
        },
    )
    assert again.status_code == 400  # used once


def test_passkey_as_the_second_factor(client, ann, pool):
    from accounts.flows.mfa import DEVICE_COOKIE

    policy(pool, second_factor="required", remember_device_days=30)
    device = enrol(ann)
    assert password_sign_in(client, pool)["Location"] == url(pool, "sign_in_second")
    page = client.get(url(pool, "sign_in_second")).content.decode()
    assert url(pool, "passkey_second_options") in page
    assert "Don&#x27;t ask again on this device for 30 days" in page
    start = post_json(client, url(pool, "passkey_second_options"), {}).json()
    assert len(start["options"]["allowCredentials"]) == 1
    done = post_json(
        client,
        url(pool, "passkey_second_verify"),
        {
            "challenge": start["challenge"],
            "credential": device.sign_in(start["options"], uv=False),
            "remember": True,
        },
    )
    assert done.json() == {"redirect": url(pool, "account")}
    assert done.cookies[DEVICE_COOKIE].value
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert event.details == {"method": "password+passkey"}


def test_second_factor_endpoints_need_the_pending_sign_in(client, ann, pool):
    enrol(ann)
    response = post_json(client, url(pool, "passkey_second_options"), {})
    assert response.status_code == 400 and response.json()["error"]


def test_enrolment_at_sign_in(client, ann, pool):
    policy(pool, second_factor="required", mfa_totp=False)
    assert password_sign_in(client, pool)["Location"] == url(pool, "sign_in_enrol")
    done = browser_register(
        client, pool, SoftAuthenticator(synced=True), prefix="passkey_enrol"
    )
    assert done.json() == {"redirect": url(pool, "sign_in_enrolled")}
    assert ann.passkeys.count() == 1
    assert client.post(url(pool, "sign_in_enrolled"))["Location"] == url(
        pool, "account"
    )
    # Recorded as what was set up: ID tokens say pwd, swk, mfa.
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert event.details == {"method": "password+synced_passkey"}


def test_passkeys_off(client, ann, pool):
    device = enrol(ann)
    policy(pool, passkey_enabled=False, mfa_passkey=False)
    assert (
        "Sign in with a passkey"
        not in client.get(url(pool, "sign_in")).content.decode()
    )
    for name in (
        "passkey_sign_in_options",
        "passkey_sign_in_verify",
        "passkey_second_options",
        "passkey_account_options",
        "passkey_account_verify",
        "passkey_enrol_options",
        "passkey_offer_options",
    ):
        assert post_json(client, url(pool, name), {}).status_code == 404, name
    password_sign_in(client, pool)
    # Still listed (to be removed), no longer added.
    page = client.get(url(pool, "account_passkeys"))
    assert page.status_code == 200 and "Add a passkey" not in page.content.decode()
    assert device


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        "null",
        '{"challenge": 5, "credential": "x"}',
        '{"challenge": "x", "credential": {"id": "\\ud800"}}',
        "[" * 5000,
        '{"challenge": "x", "challenge": "y", "credential": {}}',
        '{"challenge": "x", "credential": {"id": NaN}}',
        json.dumps({"credential": "x" * 70_000}),
        b"\xff\xfe",
    ],
)
def test_malformed_or_huge_bodies_get_a_message(client, ann, pool, body):
    enrol(ann)
    password_sign_in(client, pool)
    for name in ("passkey_sign_in_verify", "passkey_account_verify"):
        response = post_json(client, url(pool, name), body)
        assert response.status_code == 400, name
        assert response.json()["error"]


def test_a_form_body_gets_a_message(client, ann, pool):
    """A form posted where JSON is expected: a message, not a 500."""
    password_sign_in(client, pool)
    for name in ("passkey_sign_in_verify", "passkey_account_verify"):
        response = client.post(url(pool, name), {"challenge": "x", "credential": "y"})
        assert response.status_code == 400, name
        assert response.json() == {"error": message("passkey_failed")}


def test_a_garbled_credential_gets_a_message(client, ann, pool):
    body = post_json(client, url(pool, "passkey_sign_in_options"), {}).json()
    for credential in ({"id": "a", "rawId": "!!", "type": "public-key"}, "{}", 3):
        response = post_json(
            client,
            url(pool, "passkey_sign_in_verify"),
            {"challenge": body["challenge"], "credential": credential},
        )
        assert response.status_code == 400 and response.json()["error"]


def test_endpoints_need_csrf(ann, pool):

    client = Client(enforce_csrf_checks=True)
    assert (
        post_json(client, url(pool, "passkey_sign_in_options"), {}).status_code == 403
    )


def test_account_passkeys_page(client, ann, bob, pool):
    enrol(bob)
    assert client.get(url(pool, "account_passkeys"))["Location"] == url(pool, "sign_in")
    password_sign_in(client, pool)
    added = browser_register(client, pool, SoftAuthenticator(synced=True), name="Phone")
    # A first second factor: on to making recovery codes.
    assert added.json() == {"redirect": url(pool, "account_recovery_codes")}
    codes_page = client.get(url(pool, "account_recovery_codes")).content.decode()
    assert "Now make recovery codes" in codes_page
    page = client.get(url(pool, "account_passkeys")).content.decode()
    assert "Yes, across your devices" in page
    mine, theirs = ann.passkeys.get(), bob.passkeys.get()
    assert (
        client.get(url(pool, "account_passkeys") + f"?remove={theirs.pk}").status_code
        == 200
    )
    for action in ("rename", "remove"):
        response = client.post(
            url(pool, "account_passkeys"),
            {"action": action, "passkey": str(theirs.pk), "name": "Mine"},
        )
        assert response.status_code == 404
    assert Passkey.objects.get(pk=theirs.pk).name == theirs.name
    client.post(
        url(pool, "account_passkeys"),
        {"action": "rename", "passkey": str(mine.pk), "name": "x" * 101},
    )
    assert Passkey.objects.get(pk=mine.pk).name == "Phone"
    nul = client.post(
        url(pool, "account_passkeys"),
        {"action": "rename", "passkey": str(mine.pk), "name": "a\x00b"},
    )
    assert nul.status_code == 400
    client.post(
        url(pool, "account_passkeys"),
        {"action": "rename", "passkey": str(mine.pk), "name": "Old phone"},
    )
    confirm = client.get(url(pool, "account_passkeys") + f"?remove={mine.pk}")
    assert "Remove the passkey “Old phone”?" in confirm.content.decode()
    client.post(
        url(pool, "account_passkeys"), {"action": "remove", "passkey": str(mine.pk)}
    )
    assert not ann.passkeys.exists() and Passkey.objects.count() == 1
    summary = client.get(url(pool, "account"))
    assert summary.status_code == 200


def test_passkey_offer_after_sign_up(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    pool.self_registration_enabled = True
    pool.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(pool, "signup"),
            {
                "identifier": "new@example.com",
                "data_given_name": "Nia",
                "data_family_name": "Okafor",
                "data_name": "Nia Okafor",
                "password1": GOOD,
                "password2": GOOD,
            },
        )
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    done = client.post(url(pool, "signup_verify"), {"code": code})
    assert done["Location"] == url(pool, "registered")
    page = client.get(done["Location"]).content.decode()
    assert url(pool, "passkey_offer_options") in page
    added = browser_register(client, pool, SoftAuthenticator(), prefix="passkey_offer")
    assert added.json() == {"redirect": url(pool, "registered")}
    assert Passkey.objects.get().user.identifiers.get().value == "new@example.com"
    # Once only.
    again = post_json(client, url(pool, "passkey_offer_options"), {})
    assert again.status_code == 400
    page = client.get(url(pool, "registered")).content.decode()
    assert url(pool, "passkey_offer_options") not in page


def test_passkey_offer_before_the_post_registration_url(
    client, owner, pool, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    from identity_pools.services import users

    pool.post_registration_url = "https://shop.example.com/welcome"
    pool.save()
    offer = url(pool, "passkey_offer")
    assert client.get(offer)["Location"] == "https://shop.example.com/welcome"
    with django_capture_on_commit_callbacks(execute=True):
        users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="nia@example.com",
            user_data={"given_name": "Nia", "family_name": "Okafor", "name": "Nia O"},
            mode="invite",
        )
    link = re.search(r"http://\S+(/w/\S+/invitation/\S+/)", mailoutbox[-1].body)
    done = client.post(link.group(1), {"password1": GOOD, "password2": GOOD})
    assert done["Location"] == offer
    page = client.get(offer)
    assert page.status_code == 200 and b"Skip" in page.content
    assert post_json(client, url(pool, "passkey_offer_options"), {}).status_code == 200
    assert client.post(offer)["Location"] == "https://shop.example.com/welcome"
    assert post_json(client, url(pool, "passkey_offer_options"), {}).status_code == 400
    assert client.get(offer)["Location"] == "https://shop.example.com/welcome"


def test_passkey_offer_lasts_ten_minutes(client, pool, bob, rf):
    from unittest import mock

    from accounts.hosted.views import after_registration

    request = rf.post("/")
    request.hosted_session = client.session.__class__()
    bob.pool = pool
    after_registration(request, pool.workspace, bob)
    from accounts.hosted.passkey_views import passkey_offer_user

    assert passkey_offer_user(request, pool) == bob
    later = request.hosted_session["passkey_offer"]["at"] + 601
    with mock.patch("accounts.flows.pending.time.time", return_value=later):
        assert passkey_offer_user(request, pool) is None
    other = IdentityPoolFactory(workspace=pool.workspace)
    assert passkey_offer_user(request, other) is None


def test_a_bad_name_at_registration_is_a_message(client, ann, pool):
    password_sign_in(client, pool)
    response = browser_register(client, pool, SoftAuthenticator(), name="x" * 101)
    assert response.status_code == 400
    assert "1 to 100 characters" in response.json()["error"]
    assert not Passkey.objects.exists()


# --- a challenge answers only in the browser that asked for it --------------------


def _offered(client, pool, user):
    """``client`` has just registered ``user``: the passkey offer is open."""
    store = HostedSessionMiddleware(None).store()
    session_start(store, key=PASSKEY_OFFER_KEY, pool=pool, user=str(user.pk))
    store.save()
    client.cookies[settings.HOSTED_SESSION_COOKIE_NAME] = store.session_key


# (ceremony, how a browser reaches it, the sign-in policy, registration?)
CEREMONIES = {
    "usernameless sign-in": ("passkey_sign_in", lambda c, p, u: None, {}, False),
    "sign-in after the identifier": (
        "passkey_sign_in",
        lambda c, p, u: c.post(url(p, "sign_in"), {"identifier": "ann@example.com"}),
        {"preferred_method": "passkey"},
        False,
    ),
    "second factor": (
        "passkey_second",
        lambda c, p, u: password_sign_in(c, p),
        {"second_factor": "required"},
        False,
    ),
    "account page": (
        "passkey_account",
        lambda c, p, u: password_sign_in(c, p),
        {},
        True,
    ),
    "enrolment": (
        "passkey_enrol",
        lambda c, p, u: password_sign_in(c, p),
        {"second_factor": "required", "mfa_totp": False},
        True,
    ),
    "offer after registration": ("passkey_offer", _offered, {}, True),
}


@pytest.mark.parametrize("ceremony", CEREMONIES)
def test_a_challenge_posted_from_another_browser_is_refused_and_stays_good(
    ann, pool, ceremony
):
    """Options fetched in one browser, signed and posted from another: refused,
    nobody signed in and nothing registered; the challenge is not spent, so a
    browser that learnt its id cannot take it from the one it was given to."""
    prefix, reach, rules, registering = CEREMONIES[ceremony]
    device = SoftAuthenticator() if registering else enrol(ann)
    policy(pool, **rules)
    asking, other = Client(), Client()
    for browser in (asking, other):
        reach(browser, pool, ann)
    start = post_json(asking, url(pool, f"{prefix}_options"), {})
    assert start.status_code == 200, start.content
    start = start.json()
    if registering:
        credential = device.register(start["options"])
    else:
        credential = device.sign_in(start["options"], uv=prefix != "passkey_second")
    body = {
        "challenge": start["challenge"],
        "credential": credential,
        "identified": ceremony == "sign-in after the identifier",
    }
    signed_in_before = SsoSession.objects.count()

    refused = post_json(other, url(pool, f"{prefix}_verify"), body)

    assert refused.status_code == 400
    assert refused.json() == {"error": message("passkey_challenge_invalid")}
    assert SsoSession.objects.count() == signed_in_before
    assert Passkey.objects.count() == (0 if registering else 1)
    challenge = WebAuthnChallenge.objects.get(pk=start["challenge"])
    assert challenge.used_at is None
    if not registering:
        assert other.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    done = post_json(asking, url(pool, f"{prefix}_verify"), body)
    assert done.status_code == 200, done.content
    assert "redirect" in done.json()
