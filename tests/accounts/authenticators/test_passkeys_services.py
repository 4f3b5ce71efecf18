"""Passkeys of pool users, the services: registration and sign-in ceremonies
checked on real cryptography (a software authenticator,
tests/passkey_authenticator.py), and the duties py_webauthn leaves to us:
single-use challenges bound to pool, user, purpose and browser; credential ids unique;
credentials looked up within the pool; the identified user's own; user
verification; the signature counter; renaming and removing only one's own.
(The hosted pages: test_passkeys_pages.py.)"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.authenticators.passkeys.services import (
    passkey_authenticate,
    passkey_authentication_options,
    passkey_name_clean,
    passkey_register,
    passkey_registration_options,
    passkey_rename,
)
from accounts.flows.security import account_passkey_remove
from accounts.models import Passkey, WebAuthnChallenge
from core.models import AuditEvent
from identity_pools.models import SignInPolicy
from tests.factories import PoolUserFactory
from tests.passkey_authenticator import SoftAuthenticator, b64

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webauthn_localhost")]

GOOD = "a long enough passphrase for 2026"
IP = "127.0.0.1"
BROWSER = "the secret of the browser that asked"


@pytest.fixture
def bob(pool):
    return PoolUserFactory(pool=pool, email="bob@example.com")


def policy(pool, **values) -> SignInPolicy:
    row, _ = SignInPolicy.objects.update_or_create(pool=pool, defaults=values)
    pool.sign_in_policy = row  # what this pool object reads from now on
    return row


def enrol(user, authenticator=None, **kwargs) -> SoftAuthenticator:
    """``user`` registers a passkey (through the services)."""
    authenticator = authenticator or SoftAuthenticator()
    challenge, options = passkey_registration_options(browser=BROWSER, user=user)
    passkey_register(
        browser=BROWSER,
        user=user,
        challenge_id=challenge,
        response=authenticator.register(options),
        **kwargs,
    )
    return authenticator


def sign_in(pool, authenticator, **kwargs):
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    return passkey_authenticate(
        browser=BROWSER,
        pool=pool,
        challenge_id=challenge,
        response=authenticator.sign_in(options),
        ip=IP,
        **kwargs,
    )


def codes(exc_info) -> list[str]:
    return [e.code for e in exc_info.value.error_list]


def post_json(client, address, body):
    text = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(address, text, content_type="application/json")


# --- registration -----------------------------------------------------------------


def test_registration(ann, pool):
    challenge, options = passkey_registration_options(browser=BROWSER, user=ann)
    data = json.loads(options)
    assert data["rp"] == {"id": "localhost", "name": pool.workspace.name}
    assert data["user"]["id"] == b64(ann.pk.bytes)
    assert data["user"]["name"] == "ann@example.com"
    assert data["authenticatorSelection"]["residentKey"] == "required"
    assert data["authenticatorSelection"]["userVerification"] == "required"
    assert data["excludeCredentials"] == []
    row = WebAuthnChallenge.objects.get(pk=challenge)
    assert (row.purpose, row.user_id, row.pool_id) == ("register", ann.pk, pool.pk)
    assert row.expires_at - timezone.now() <= timedelta(minutes=5)

    device = SoftAuthenticator(synced=True)
    passkey = passkey_register(
        browser=BROWSER,
        user=ann,
        challenge_id=challenge,
        response=device.register(options),
    )
    assert passkey.name == "Passkey 1"
    assert passkey.credential_id == b64(device.credential_id)
    assert passkey.backed_up and passkey.transports == ["internal", "hybrid"]
    assert passkey.aaguid == "00000000-0000-0000-0000-000000000000"
    event = AuditEvent.objects.get(action="pool_user.passkey_added")
    assert (event.actor_id, event.target_id) == (str(ann.pk), str(ann.pk))
    # The next registration excludes the first passkey, and names itself.
    _, options = passkey_registration_options(browser=BROWSER, user=ann)
    assert [c["id"] for c in json.loads(options)["excludeCredentials"]] == [
        b64(device.credential_id)
    ]
    assert (
        enrol(ann, name="  Work laptop ")
        and ann.passkeys.filter(name="Work laptop").exists()
    )


def test_registration_challenge_is_single_use(ann):
    challenge, options = passkey_registration_options(browser=BROWSER, user=ann)
    passkey_register(
        browser=BROWSER,
        user=ann,
        challenge_id=challenge,
        response=SoftAuthenticator().register(options),
    )
    with pytest.raises(ValidationError) as exc:
        passkey_register(
            browser=BROWSER,
            user=ann,
            challenge_id=challenge,
            response=SoftAuthenticator().register(options),
        )
    assert codes(exc) == ["passkey_challenge_invalid"]


def test_registration_challenge_expired(ann):
    challenge, options = passkey_registration_options(browser=BROWSER, user=ann)
    WebAuthnChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        passkey_register(
            browser=BROWSER,
            user=ann,
            challenge_id=challenge,
            response=SoftAuthenticator().register(options),
        )
    assert codes(exc) == ["passkey_challenge_invalid"]


def test_registration_challenge_of_another_user_pool_or_purpose(ann, bob, pool):
    stranger = PoolUserFactory(email="ann@example.com")  # another pool
    challenge, options = passkey_registration_options(browser=BROWSER, user=ann)
    for user in (bob, stranger):
        with pytest.raises(ValidationError) as exc:
            passkey_register(
                browser=BROWSER,
                user=user,
                challenge_id=challenge,
                response=SoftAuthenticator().register(options),
            )
        assert codes(exc) == ["passkey_challenge_invalid"]
    sign_in_challenge, sign_in_options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    with pytest.raises(ValidationError) as exc:
        passkey_register(
            browser=BROWSER,
            user=ann,
            challenge_id=sign_in_challenge,
            response=SoftAuthenticator().register(
                {
                    **json.loads(options),
                    "challenge": json.loads(sign_in_options)["challenge"],
                }
            ),
        )
    assert codes(exc) == ["passkey_challenge_invalid"]
    # ann's own challenge was never spent by the others.
    passkey_register(
        browser=BROWSER,
        user=ann,
        challenge_id=challenge,
        response=SoftAuthenticator().register(options),
    )


def test_a_challenge_answers_only_with_the_browser_that_asked(ann, pool):
    """Registration and sign-in alike: another browser's secret (or none) is
    refused and leaves the challenge good for the browser that asked."""
    device = SoftAuthenticator()
    challenge, options = passkey_registration_options(browser=BROWSER, user=ann)
    response = device.register(options)
    for other in ("another browser", ""):
        with pytest.raises(ValidationError) as exc:
            passkey_register(
                browser=other, user=ann, challenge_id=challenge, response=response
            )
        assert codes(exc) == ["passkey_challenge_invalid"]
    assert WebAuthnChallenge.objects.get(pk=challenge).used_at is None
    passkey_register(
        browser=BROWSER, user=ann, challenge_id=challenge, response=response
    )
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    response = device.sign_in(options)
    for other in ("another browser", ""):
        with pytest.raises(ValidationError) as exc:
            passkey_authenticate(
                browser=other,
                pool=pool,
                challenge_id=challenge,
                response=response,
                ip=IP,
            )
        assert codes(exc) == ["passkey_challenge_invalid"]
    assert WebAuthnChallenge.objects.get(pk=challenge).used_at is None
    used = passkey_authenticate(
        browser=BROWSER, pool=pool, challenge_id=challenge, response=response, ip=IP
    )
    assert used.user == ann


def test_registration_of_a_credential_id_registered_already(ann, bob):
    device = enrol(ann)
    challenge, options = passkey_registration_options(browser=BROWSER, user=bob)
    with pytest.raises(ValidationError) as exc:
        passkey_register(
            browser=BROWSER,
            user=bob,
            challenge_id=challenge,
            response=device.register(options),
        )
    assert codes(exc) == ["passkey_taken"]
    assert WebAuthnChallenge.objects.get(pk=challenge).used_at is not None
    assert Passkey.objects.get().user_id == ann.pk


@pytest.mark.parametrize(
    "tamper",
    [
        {"uv": False},
        {"origin": "https://evil.example"},
    ],
)
def test_registration_refused_and_challenge_spent(ann, tamper):
    challenge, options = passkey_registration_options(browser=BROWSER, user=ann)
    response = SoftAuthenticator().register(options, **tamper)
    with pytest.raises(ValidationError) as exc:
        passkey_register(
            browser=BROWSER, user=ann, challenge_id=challenge, response=response
        )
    assert codes(exc) == ["passkey_failed"]
    assert WebAuthnChallenge.objects.get(pk=challenge).used_at is not None
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    "response",
    ["", "{", "[]", '{"id": 1}', "x" * 70_000, {"id": "a", "rawId": "!!", "type": 3}],
)
def test_registration_malformed(ann, response):
    challenge, _ = passkey_registration_options(browser=BROWSER, user=ann)
    with pytest.raises(ValidationError) as exc:
        passkey_register(
            browser=BROWSER, user=ann, challenge_id=challenge, response=response
        )
    assert codes(exc) == ["passkey_failed"]


# --- sign-in ----------------------------------------------------------------------


def test_usernameless_sign_in(ann, pool):
    device = enrol(ann)
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    data = json.loads(options)
    assert data["allowCredentials"] == [] and data["userVerification"] == "required"
    assert WebAuthnChallenge.objects.get(pk=challenge).user_id is None
    used = passkey_authenticate(
        browser=BROWSER,
        pool=pool,
        challenge_id=challenge,
        response=device.sign_in(options),
        ip=IP,
    )
    assert used == (ann, "passkey")  # on this device only (RFC 8176 "hwk")
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    with pytest.raises(ValidationError) as exc:  # the challenge is spent
        passkey_authenticate(
            browser=BROWSER,
            pool=pool,
            challenge_id=challenge,
            response=device.sign_in(options),
            ip=IP,
        )
    assert codes(exc) == ["passkey_challenge_invalid"]


def test_a_synced_passkey_is_recorded_as_one(ann, pool):
    # The authenticator says at each use whether the key is synced (backup
    # state): the method to record follows, and the stored flag too.
    device = enrol(ann, SoftAuthenticator(synced=True))
    used = sign_in(pool, device)
    assert used == (ann, "synced_passkey")
    assert Passkey.objects.get(user=ann).backed_up


def test_usernameless_sign_in_needs_the_user_handle(ann, pool):
    device = enrol(ann)
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    for handle in (None, b"someone else"):
        challenge, options = passkey_authentication_options(
            browser=BROWSER, pool=pool, ip=IP
        )
        with pytest.raises(ValidationError) as exc:
            passkey_authenticate(
                browser=BROWSER,
                pool=pool,
                challenge_id=challenge,
                response=device.sign_in(options, user_handle=handle),
                ip=IP,
            )
        assert codes(exc) == ["passkey_failed"]


def test_another_users_passkey_after_an_identifier(ann, bob, pool):
    enrol(ann)
    bobs = enrol(bob)
    with pytest.raises(ValidationError) as exc:
        sign_in(pool, bobs, identifier="ann@example.com")
    assert codes(exc) == ["passkey_failed"]
    event = AuditEvent.objects.get(action="pool_user.sign_in_failed")
    assert event.target_id == str(ann.pk)
    assert event.details == {"method": "passkey", "reason": "another_users_passkey"}
    with pytest.raises(ValidationError):  # an unknown identifier: any passkey fails
        sign_in(pool, bobs, identifier="nobody@example.com")
    assert sign_in(pool, bobs, identifier="bob@example.com").user == bob


def test_a_passkey_of_another_pool_is_unknown(ann, pool):
    stranger = PoolUserFactory(email="ann@example.com")
    device = enrol(stranger)
    with pytest.raises(ValidationError) as exc:
        sign_in(pool, device)
    assert codes(exc) == ["passkey_unknown"]
    with pytest.raises(ValidationError) as exc:
        sign_in(pool, SoftAuthenticator())
    assert codes(exc) == ["passkey_unknown"]


def test_a_counter_that_does_not_grow_is_a_clone(ann, pool):
    device = enrol(ann)
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    response = device.sign_in(options, sign_count=5)
    passkey_authenticate(
        browser=BROWSER, pool=pool, challenge_id=challenge, response=response, ip=IP
    )
    for count in (5, 3):
        challenge, options = passkey_authentication_options(
            browser=BROWSER, pool=pool, ip=IP
        )
        with pytest.raises(ValidationError) as exc:
            passkey_authenticate(
                browser=BROWSER,
                pool=pool,
                challenge_id=challenge,
                response=device.sign_in(options, sign_count=count),
                ip=IP,
            )
        assert codes(exc) == ["passkey_failed"]
    assert Passkey.objects.get().sign_count == 5
    reasons = AuditEvent.objects.filter(action="pool_user.sign_in_failed").values_list(
        "details__reason", flat=True
    )
    assert list(reasons) == ["sign_count_not_increased"] * 2
    # Authenticators that keep no counter (always 0) are fine.
    zero = enrol(ann)
    for _ in range(2):
        challenge, options = passkey_authentication_options(
            browser=BROWSER, pool=pool, ip=IP
        )
        response = zero.sign_in(options, sign_count=0)
        passkey_authenticate(
            browser=BROWSER, pool=pool, challenge_id=challenge, response=response, ip=IP
        )


def test_user_verification_is_required_for_the_first_factor_only(ann, pool):
    device = enrol(ann)
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP
    )
    with pytest.raises(ValidationError) as exc:
        passkey_authenticate(
            browser=BROWSER,
            pool=pool,
            challenge_id=challenge,
            response=device.sign_in(options, uv=False),
            ip=IP,
        )
    assert codes(exc) == ["passkey_failed"]
    assert AuditEvent.objects.get(action="pool_user.sign_in_failed").details == {
        "method": "passkey",
        "reason": "user_not_verified",
    }
    ann.pool = pool
    challenge, options = passkey_authentication_options(
        browser=BROWSER, pool=pool, ip=IP, user=ann
    )
    assert json.loads(options)["allowCredentials"][0]["id"] == b64(device.credential_id)
    used = passkey_authenticate(
        browser=BROWSER,
        pool=pool,
        challenge_id=challenge,
        response=device.sign_in(options, uv=False),
        ip=IP,
        user=ann,
    )
    assert used.user == ann


def test_an_inactive_user_cannot_sign_in(ann, pool):
    device = enrol(ann)
    ann.status = "inactive"
    ann.save()
    with pytest.raises(ValidationError) as exc:
        sign_in(pool, device)
    assert codes(exc) == ["passkey_failed"]
    assert AuditEvent.objects.get(action="pool_user.sign_in_failed").details == {
        "method": "passkey",
        "reason": "status_inactive",
    }


def test_verification_is_rate_limited_per_address(ann, pool):
    device = enrol(ann)
    for _ in range(30):
        with pytest.raises(ValidationError):
            passkey_authenticate(
                browser=BROWSER,
                pool=pool,
                challenge_id="nope",
                response=device.sign_in({"challenge": "x"}),
                ip=IP,
            )
    with pytest.raises(ValidationError) as exc:
        sign_in(pool, device)
    assert codes(exc) == ["hosted_rate_limited"]


# --- management -------------------------------------------------------------------


def test_rename_and_delete(ann, bob):
    enrol(ann)
    enrol(bob)
    mine, theirs = ann.passkeys.get(), bob.passkeys.get()
    passkey_rename(user=ann, passkey=mine, name=" Phone ")
    assert Passkey.objects.get(pk=mine.pk).name == "Phone"
    for name in ("", "   ", "x" * 101, "a\x00b", "a\ud800"):
        with pytest.raises(ValidationError) as exc:
            passkey_rename(user=ann, passkey=mine, name=name)
        assert "name" in exc.value.error_dict
    with pytest.raises(ValidationError):
        passkey_rename(user=ann, passkey=theirs, name="Mine now")
    with pytest.raises(ValidationError):
        account_passkey_remove(user=ann, passkey=theirs)
    account_passkey_remove(user=ann, passkey=mine)
    assert list(Passkey.objects.all()) == [theirs]
    assert set(
        AuditEvent.objects.filter(actor_id=str(ann.pk)).values_list("action", flat=True)
    ) >= {"pool_user.passkey_renamed", "pool_user.passkey_removed"}
    assert passkey_name_clean("x" * 100) == "x" * 100


def test_the_last_second_factor_stays(ann, pool):
    from accounts.authenticators.recovery.services import recovery_codes_generate

    enrol(ann)
    recovery_codes_generate(user=ann)
    policy(pool, second_factor="required")
    ann.pool = pool
    with pytest.raises(ValidationError) as exc:
        account_passkey_remove(user=ann, passkey=ann.passkeys.get())
    assert codes(exc) == ["passkey_last_factor"]
    enrol(ann)
    first, second = ann.passkeys.order_by("created_at")
    account_passkey_remove(user=ann, passkey=first)
    policy(pool, second_factor="optional")
    account_passkey_remove(user=ann, passkey=second)
    assert not ann.recovery_codes.exists()
    assert AuditEvent.objects.filter(
        action="pool_user.passkey_removed", details__recovery_codes_removed=True
    ).exists()
