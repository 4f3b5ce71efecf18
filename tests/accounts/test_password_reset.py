"""Forgot password: a code to a verified address, a new password under the pool's
policy, other sessions ended, blocks lifted, a notice; the same answer for
addresses the pool does not know."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.authenticators.passwords.services import password_set
from accounts.models import SignInLock
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import Identifier, SignInPolicy
from tests.conftest import hosted_url as url
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db

OLD = "a long enough passphrase for 2026"
NEW = "another long passphrase for 2027"
IP = "10.0.0.1"


@pytest.fixture
def ann(ann):
    """tests/conftest.py's Ann, her address verified; her password (GOOD there)
    is this module's OLD."""
    Identifier.objects.filter(user=ann).update(is_verified=True)
    return ann


def start(client, pool, identifier, callbacks):
    with callbacks(execute=True):
        return client.post(url(pool, "reset_start"), {"identifier": identifier})


def finish(client, pool, identifier, code, password=NEW, callbacks=None):
    data = {
        "identifier": identifier,
        "code": code,
        "password1": password,
        "password2": password,
    }
    if callbacks is None:
        return client.post(url(pool, "reset_finish"), data)
    with callbacks(execute=True):
        return client.post(url(pool, "reset_finish"), data)


def sign_in(client, pool, identifier, password):
    client.post(url(pool, "sign_in"), {"identifier": identifier})
    return client.post(url(pool, "sign_in_password"), {"password": password})


def test_reset_with_a_code(
    client, pool, ann, mailoutbox, django_capture_on_commit_callbacks
):
    elsewhere = Client()
    assert sign_in(elsewhere, pool, "ann@example.com", OLD)["Location"] == url(
        pool, "account"
    )
    for _ in range(5):
        sign_in(client, pool, "ann@example.com", "wrong password here")
    assert SignInLock.objects.exists()  # blocked: a reset still works

    response = start(
        client, pool, "ann@example.com", django_capture_on_commit_callbacks
    )
    assert response["Location"] == url(pool, "reset_finish")
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    wrong = finish(
        client, pool, "ann@example.com", "000000" if code != "000000" else "111111"
    )
    assert [e.code for e in wrong.context["form"].non_field_errors().as_data()] == [
        "code_invalid"
    ]
    weak = finish(client, pool, "ann@example.com", code, password="short")
    assert weak.context["form"].errors["password1"]
    done = finish(
        client,
        pool,
        "ann@example.com",
        code,
        callbacks=django_capture_on_commit_callbacks,
    )
    assert done["Location"] == url(pool, "sign_in")

    from django.contrib.auth.hashers import check_password

    assert check_password(NEW, PasswordCredential.objects.get(user=ann).password)
    assert not SignInLock.objects.exists()
    assert elsewhere.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    assert "was just reset" in mailoutbox[-1].body
    assert AuditEvent.objects.filter(action="pool_user.password_reset").exists()
    assert sign_in(client, pool, "ann@example.com", NEW)["Location"] == url(
        pool, "account"
    )


def test_unknown_and_unverified_addresses_get_the_same_answer(
    client, pool, ann, mailoutbox, django_capture_on_commit_callbacks
):
    PoolUserFactory(pool=pool, email="unverified@example.com")
    answers = [
        start(Client(), pool, who, django_capture_on_commit_callbacks)
        for who in ("ann@example.com", "nobody@example.com", "unverified@example.com")
    ]
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, url(pool, "reset_finish"))
    }
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]
    wrong = finish(client, pool, "nobody@example.com", "123456")
    assert [e.code for e in wrong.context["form"].non_field_errors().as_data()] == [
        "code_invalid"
    ]


def test_reset_can_be_switched_off(client, pool, ann):
    SignInPolicy.objects.create(pool=pool, self_service_reset=False)
    assert client.get(url(pool, "reset_start")).status_code == 404
    assert client.get(url(pool, "reset_finish")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_password_that_had_to_be_reset_signs_in_nobody_until_a_reset(
    pool, ann, mailoutbox
):
    """The state "must_reset" is gone (only the Django admin could set it):
    accounts 0013 turns such a password into an unusable hash, which keeps its
    meaning: the old password no longer signs in, "Forgot password?" does."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from accounts.flows.sign_in import sign_in_password

    before = [("accounts", "0012_webauthnchallenge_browser")]
    after = [("accounts", "0013_password_must_reset_gone")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    password_set(user=bob, raw_password=OLD)
    PasswordCredential.objects.filter(user=ann).update(state="must_reset")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    # Then the rest (the tests after this one need today's schema).
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    credential = PasswordCredential.objects.get(user=ann)
    assert credential.state == "valid" and not credential.password.startswith("argon")
    assert PasswordCredential.objects.get(user=bob).password.startswith("argon2")
    with pytest.raises(ValidationError) as refused:
        sign_in_password(pool=pool, identifier="ann@example.com", password=OLD, ip=IP)
    assert refused.value.code == "sign_in_failed"
    assert (
        sign_in_password(
            pool=pool, identifier="bob@example.com", password=OLD, ip=IP
        ).user
        == bob
    )
    client = Client()
    client.post(url(pool, "reset_start"), {"identifier": "ann@example.com"})
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    done = finish(client, pool, "ann@example.com", code)
    assert done["Location"] == url(pool, "sign_in")
    assert (
        sign_in_password(
            pool=pool, identifier="ann@example.com", password=NEW, ip=IP
        ).user
        == ann
    )
