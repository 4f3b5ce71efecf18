"""The first factor's one query (``_first_factor_start``) answers as the queries
it replaced: the client address's limit, the identifier's block, the user and
their credential, and which authenticators they have."""

from __future__ import annotations

from itertools import product

import pytest

from accounts.authenticators.passwords.services import password_set
from accounts.authenticators.presence import authenticators_of
from accounts.authenticators.recovery.services import recovery_codes_generate
from accounts.authenticators.totp.services import totp_confirm, totp_new_key
from accounts.flows.sign_in import ADDRESS_LIMIT, _first_factor_start
from accounts.models import Passkey
from core import ratelimit
from identity_pools.models import Identifier, PoolUser, SignInPolicy
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = pytest.mark.django_db
GOOD = "a long enough passphrase for 2026"
ALL = ["totp", "passkey", "email_code", "sms_code", "recovery"]


@pytest.fixture
def pool(workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    SignInPolicy.objects.update_or_create(
        pool=pool,
        defaults={
            "second_factor": "required",
            **{f"mfa_{m}": True for m in ("totp", "passkey", "email_code", "sms_code")},
        },
    )
    return (
        type(pool).objects.select_related("workspace", "sign_in_policy").get(pk=pool.pk)
    )


def _with(user, *, totp, passkey, verified_email, phone, recovery):
    if totp:
        key = totp_new_key()
        from django_otp.oath import totp as code_of

        totp_confirm(
            user=user, key=key, code=f"{code_of(bytes.fromhex(key), drift=-1):06d}"
        )
    if passkey:
        Passkey.objects.create(
            user=user,
            credential_id=f"cred-{user.pk}",
            public_key=b"pk",
            aaguid="00000000-0000-0000-0000-000000000000",
            sign_count=0,
            name="Key",
        )
    if verified_email:
        user.identifiers.update(is_verified=True)
    if phone:
        Identifier.objects.create(
            pool=user.pool,
            user=user,
            type="phone",
            value=f"+4477009{abs(hash(user.pk)) % 100000:05d}",
            is_verified=True,
        )
    if recovery:
        recovery_codes_generate(user=user)


@pytest.mark.parametrize(
    "flags", [*list(product([False, True], repeat=5))[::3], (True,) * 5]
)
def test_first_factor_query_reads_the_same_authenticators_as_the_orm(pool, flags):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    _with(
        user,
        **dict(
            zip(
                ["totp", "passkey", "verified_email", "phone", "recovery"],
                flags,
                strict=True,
            )
        ),
    )
    locked, read = _first_factor_start(
        pool=pool, identifier="ann@example.com", ip="10.0.0.1"
    )
    assert locked is None and read.pk == user.pk and read.status == "active"
    assert read.user_data == user.user_data and read.pool is pool
    assert read.password_credential.password == user.password_credential.password
    fresh = PoolUser.objects.get(pk=user.pk)
    assert authenticators_of(read, ALL) == authenticators_of(fresh, ALL)
    assert len(authenticators_of(fresh, ALL)) == sum(flags)


def test_first_factor_query_without_a_password_or_an_account(
    pool, django_assert_num_queries
):
    PoolUserFactory(pool=pool, email="nopass@example.com")
    _, user = _first_factor_start(pool=pool, identifier="nopass@example.com", ip="1")
    with django_assert_num_queries(0):  # known to have none, as select_related
        assert user is not None and not hasattr(user, "password_credential")
    assert _first_factor_start(pool=pool, identifier="no@example.com", ip="1") == (
        None,
        None,
    )


def test_client_address_limit_refuses_even_the_right_password(client, pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    SignInPolicy.objects.filter(pool=pool).update(second_factor="off")
    limit = ratelimit.Limit("hosted:signin:127.0.0.1", *ADDRESS_LIMIT)
    for _ in range(limit.max_events):
        ratelimit.hit(limit)
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response.status_code == 429
    assert "sign_in_blocked" in [
        e.code for e in response.context["form"].non_field_errors().as_data()
    ]
    # Another address is not limited.
    other = {"REMOTE_ADDR": "10.9.9.9"}
    client.cookies.clear()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"}, **other)
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD}, **other)
    assert response.status_code == 302


def test_a_blocked_identifier_reads_its_wait(pool):
    from django.core.exceptions import ValidationError

    from accounts.authenticators.lockout.services import lock_fail, lock_wait

    policy = pool.sign_in_policy
    for _ in range(policy.lockout_failures):
        lock_fail(pool=pool, identifier="who@example.com", policy=policy)
    assert lock_wait(pool=pool, identifier="who@example.com") > 0
    with pytest.raises(ValidationError) as raised:
        _first_factor_start(pool=pool, identifier="who@example.com", ip="1")
    assert raised.value.code == "sign_in_blocked"


def test_rotate_stores_a_new_key_or_a_new_row(db):
    from django.contrib.sessions.models import Session

    from accounts.hosted.session import HostedSessionMiddleware
    from core.fastpath.writes import Writes

    def rotate(session):  # as the sign-in does: with its writes
        writes = Writes()
        session.rotate(writes)
        writes.run()

    store = HostedSessionMiddleware(lambda request: None).store
    session = store()
    session["a"] = 1
    session.save()
    old = session.session_key
    session["b"] = 2
    rotate(session)
    assert session.session_key != old and not session.modified
    assert not Session.objects.filter(session_key=old).exists()
    assert store(session.session_key).load() == {"a": 1, "b": 2}
    # Its row deleted meanwhile: a new row under a new key.
    Session.objects.filter(session_key=session.session_key).delete()
    gone = session.session_key
    rotate(session)
    assert session.session_key not in (gone, None)
    assert store(session.session_key).load() == {"a": 1, "b": 2}
