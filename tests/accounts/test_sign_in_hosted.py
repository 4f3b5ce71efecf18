"""End users' password sign-in on the hosted pages: identifier first,
enumeration-safe, brute-force blocks that grow, hash upgrade, a new password
first when it must change, and a session apart from the console's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bcrypt import gensalt
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from accounts.authenticators.passwords.services import password_set
from accounts.models import SignInLock
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import PasswordPolicy, PoolUser
from tests.conftest import hosted_url as url
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"


def sign_in(client, pool, identifier, password):
    first = client.post(url(pool, "sign_in"), {"identifier": identifier})
    assert first["Content-Location"] == url(pool, "sign_in_password")
    return client.post(url(pool, "sign_in_password"), {"password": password})


def _body(response) -> str:
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()
    )


def test_password_sign_in(client, pool, ann):
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    response = sign_in(client, pool, "ANN@example.com", GOOD)
    assert response["Location"] == url(pool, "account")
    page = client.get(url(pool, "account")).content.decode()
    assert "ann@example.com" in page and "signed in" in page
    ann.refresh_from_db()
    assert ann.last_sign_in_at is not None
    event = AuditEvent.objects.get(action="pool_user.signed_in")
    assert (event.actor_id, event.details) == (str(ann.pk), {"method": "password"})
    client.post(url(pool, "signout"))
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")


def test_the_identifier_step_answers_with_the_password_page(client, pool, ann):
    """One round trip less than a redirect: the identifier's answer is the
    password page itself (named by its Content-Location), the same for a
    known and an unknown identifier, and its form posts to the password step."""
    answers = []
    for identifier in ("ann@example.com", "nobody@example.com"):
        client.cookies.clear()
        answer = client.post(url(pool, "sign_in"), {"identifier": identifier})
        assert answer.status_code == 200
        assert answer["Content-Location"] == url(pool, "sign_in_password")
        assert "no-store" in answer["Cache-Control"]
        body = _body(answer).replace(identifier, "X")
        assert f'action="{url(pool, "sign_in_password")}"' in body
        assert "Enter your password" in body
        answers.append(body)
    assert answers[0] == answers[1]
    refused = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert refused.status_code == 200  # nobody@example.com: refused alike
    client.cookies.clear()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    done = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert done["Location"] == url(pool, "account")


def test_unknown_wrong_inactive_and_new_look_the_same(client, pool, ann):
    inactive = PoolUserFactory(pool=pool, email="gone@example.com", status="inactive")
    password_set(user=inactive, raw_password=GOOD)
    PoolUserFactory(pool=pool, email="new@example.com", status="new")
    answers = [
        sign_in(client, pool, "ann@example.com", "not the password, surely"),
        sign_in(client, pool, "nobody@example.com", "not the password, surely"),
        sign_in(client, pool, "gone@example.com", GOOD),
        sign_in(client, pool, "new@example.com", GOOD),
    ]
    statuses = {r.status_code for r in answers}
    bodies = {
        _body(r)
        .replace("ann@example.com", "X")
        .replace("nobody@example.com", "X")
        .replace("gone@example.com", "X")
        .replace("new@example.com", "X")
        for r in answers
    }
    assert statuses == {200} and len(bodies) == 1
    assert "not correct" in answers[0].content.decode()
    reasons = set(
        AuditEvent.objects.filter(action="pool_user.sign_in_failed").values_list(
            "details__reason", flat=True
        )
    )
    assert reasons == {
        "bad_password",
        "unknown_identifier",
        "status_inactive",
        "status_new",
    }


def test_blocks_grow_and_a_success_clears_them(client, pool, ann):
    for _ in range(4):
        assert (
            sign_in(client, pool, "ann@example.com", "wrong password here").status_code
            == 200
        )
    fifth = sign_in(client, pool, "ann@example.com", "wrong password here")
    assert fifth.status_code == 200  # the fifth failure earns the first block
    blocked = sign_in(client, pool, "ann@example.com", GOOD)
    assert (
        blocked.status_code == 429
        and "Too many failed sign-ins" in blocked.content.decode()
    )
    lock = SignInLock.objects.get()
    first_block = lock.blocked_until - lock.updated_at
    assert timedelta(seconds=55) < first_block <= timedelta(seconds=61)
    assert AuditEvent.objects.filter(action="pool_user.sign_in_blocked").count() == 1
    # After the block, one more failure doubles it.
    SignInLock.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))
    sign_in(client, pool, "ann@example.com", "wrong password here")
    lock.refresh_from_db()
    assert (
        timedelta(seconds=115)
        < lock.blocked_until - timezone.now()
        <= timedelta(seconds=121)
    )
    SignInLock.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, pool, "ann@example.com", GOOD)["Location"] == url(
        pool, "account"
    )
    assert not SignInLock.objects.exists()


def test_unknown_identifiers_are_blocked_alike(client, pool):
    for _ in range(5):
        sign_in(client, pool, "nobody@example.com", "wrong password here")
    assert sign_in(client, pool, "nobody@example.com", "x" * 20).status_code == 429


def test_imported_hash_is_upgraded_on_sign_in(client, pool):
    bo = PoolUserFactory(pool=pool, email="bo@example.com")
    PasswordCredential.objects.create(
        # bcrypt at cost 10: within the pool's default limit on imported hashes
        user=bo,
        password=make_password(GOOD, salt=gensalt(10), hasher="bcrypt_sha256"),
    )
    assert sign_in(client, pool, "bo@example.com", GOOD)["Location"] == url(
        pool, "account"
    )
    assert PasswordCredential.objects.get(user=bo).password.startswith(
        "argon2id$argon2id$v=19$m=19456,t=2,p=1$"
    )


@pytest.mark.parametrize("why", ["must_change", "expired"])
def test_a_password_that_must_change_is_changed_before_sign_in(client, pool, ann, why):
    if why == "must_change":
        PasswordCredential.objects.filter(user=ann).update(state="must_change")
    else:
        PasswordPolicy.objects.create(pool=pool, expiry_days=30)
        PasswordCredential.objects.filter(user=ann).update(
            changed_at=timezone.now() - timedelta(days=31)
        )
    response = sign_in(client, pool, "ann@example.com", GOOD)
    assert response["Location"] == url(pool, "sign_in_change_password")
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    same = client.post(
        url(pool, "sign_in_change_password"),
        {"password1": "short", "password2": "short"},
    )
    assert same.status_code == 200
    new = GOOD + " again"
    done = client.post(
        url(pool, "sign_in_change_password"), {"password1": new, "password2": new}
    )
    assert done["Location"] == url(pool, "account")
    credential = PasswordCredential.objects.get(user=ann)
    assert credential.state == "valid"
    assert PoolUser.objects.get(pk=ann.pk).last_sign_in_at is not None


def test_sessions_stay_apart(client, pool, ann, owner):
    """An operator's console session signs nobody in on the hosted pages, and an
    end user's hosted session opens nothing in the console."""
    client.force_login(owner)
    assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    client.logout()
    sign_in(client, pool, "ann@example.com", GOOD)
    assert client.get(reverse("workspaces:workspace_list")).status_code == 302


def test_operator_unlocks_requires_a_change_and_signs_out_everywhere(
    client, owner_client, workspace, pool, ann
):
    from django.test import Client

    def user_url(name):
        name = name if ":" in name else f"identity_pools:{name}"
        return reverse(name, args=[workspace.slug, pool.pk, ann.pk])

    for _ in range(5):
        sign_in(client, pool, "ann@example.com", "wrong password here")
    page = owner_client.get(user_url("pool_user_detail")).content.decode()
    assert "Sign-in is blocked" in page
    owner_client.post(user_url("accounts:pool_user_unlock"))
    assert not SignInLock.objects.exists()
    assert (
        "No sign-in block"
        in owner_client.get(user_url("pool_user_detail")).content.decode()
    )

    browser = Client()
    sign_in(browser, pool, "ann@example.com", GOOD)
    assert browser.get(url(pool, "account")).status_code == 200
    owner_client.post(user_url("accounts:pool_user_sign_out_everywhere"))
    assert browser.get(url(pool, "account"))["Location"] == url(pool, "sign_in")

    owner_client.post(user_url("accounts:pool_user_require_password_change"))
    assert PasswordCredential.objects.get(user=ann).state == "must_change"
    assert sign_in(browser, pool, "ann@example.com", GOOD)["Location"] == url(
        pool, "sign_in_change_password"
    )
    assert set(
        AuditEvent.objects.filter(target_id=str(ann.pk)).values_list(
            "action", flat=True
        )
    ) >= {
        "pool_user.unlocked",
        "pool_user.signed_out_everywhere",
        "pool_user.password_change_required",
        "pool_user.sign_in_blocked",
    }


def test_operator_filters_the_user_history_by_sign_ins(
    client, owner_client, workspace, pool, ann
):
    from django.test import Client

    sign_in(Client(), pool, "ann@example.com", "a wrong password here")
    sign_in(Client(), pool, "ann@example.com", GOOD)
    AuditEvent.objects.create(
        workspace_id=workspace.pk,
        action="pool_user.status_changed",
        target_type="identity_pools.pooluser",
        target_id=str(ann.pk),
    )
    page = reverse(
        "identity_pools:pool_user_detail", args=[workspace.slug, pool.pk, ann.pk]
    )

    def shown(kind):
        response = owner_client.get(page, {"history": kind})
        return [e.action for e in response.context["history"]]

    assert set(shown("sign_in")) == {"pool_user.signed_in", "pool_user.sign_in_failed"}
    failed = owner_client.get(page, {"history": "failed"})
    assert [e.action for e in failed.context["history"]] == ["pool_user.sign_in_failed"]
    assert '<span class="label">Reason:</span> wrong password' in (
        failed.content.decode()
    )
    assert shown("changes") == ["pool_user.status_changed"]
    assert len(shown("all")) == 3 and len(shown("no such kind")) == 3


def test_signing_in_gives_the_browser_a_new_session_key(client, pool, ann):
    from django.conf import settings
    from django.contrib.sessions.models import Session

    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    before = client.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value
    client.post(url(pool, "sign_in_password"), {"password": GOOD})
    after = client.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value
    assert before != after
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get(url(pool, "account")).status_code == 200
