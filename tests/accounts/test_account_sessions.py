"""The account page's "Where you're signed in": the user's open sessions, this
browser marked, and signing another browser (or every other one) out; and
"Delete your account", where the pool allows it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.authenticators.passwords.services import password_set
from accounts.models import SsoSession
from core.models import AuditEvent
from identity_pools.models import Identifier, PoolUser, SignInPolicy
from tests.conftest import GOOD
from tests.conftest import hosted_url as url
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db


def browser(pool, identifier="ann@example.com", agent="") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    client.post(url(pool, "sign_in"), {"identifier": identifier})
    done = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert done["Location"] == url(pool, "account")
    return client


def signed_in(client, pool) -> bool:
    return client.get(url(pool, "account")).status_code == 200


def end(client, pool, which):
    return client.post(url(pool, "account_sessions_end"), {"session": which})


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_the_page_lists_the_sessions_and_signs_another_browser_out(pool, ann):
    laptop = browser(pool, agent=FIREFOX)
    phone = browser(pool)
    page = laptop.get(url(pool, "account")).content.decode()
    assert "Where you're signed in" in page
    assert "Firefox on Linux" in page and "(this browser)" in page
    assert page.count("with password") == 2
    phones = SsoSession.objects.get(user=ann, user_agent="")
    response = end(laptop, pool, str(phones.pk))
    assert response["Location"] == url(pool, "account") + "#sessions"
    assert (
        "1 other session is signed out"
        in laptop.get(url(pool, "account")).content.decode()
    )
    assert not signed_in(phone, pool) and signed_in(laptop, pool)
    event = AuditEvent.objects.get(action="pool_user.session_ended")
    assert (event.actor_id, event.details["reason"]) == (str(ann.pk), "user")


def test_sign_out_everywhere_else_keeps_this_browser(pool, ann):
    here, *others = [browser(pool) for _ in range(3)]
    end(here, pool, "others")
    assert signed_in(here, pool)
    assert not any(signed_in(other, pool) for other in others)
    assert SsoSession.objects.filter(user=ann, ended_at__isnull=True).count() == 1


def test_only_the_users_other_sessions_can_be_ended(pool, ann):
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    password_set(user=bob, raw_password=GOOD)
    bobs_browser = browser(pool, "bob@example.com")
    mine = browser(pool)
    bobs = SsoSession.objects.get(user=bob)
    own = SsoSession.objects.get(user=ann)
    for which in (str(bobs.pk), str(own.pk), "not-a-session", ""):
        response = end(mine, pool, which)
        assert response.status_code == 302, which
    page = mine.get(url(pool, "account")).content.decode()
    assert "That session had already ended" in page
    assert signed_in(bobs_browser, pool) and signed_in(mine, pool)
    assert not AuditEvent.objects.filter(action="pool_user.session_ended").exists()


def test_signed_out_visitors_are_sent_to_sign_in(pool, ann):
    response = Client().post(url(pool, "account_sessions_end"), {"session": "others"})
    assert response["Location"] == url(pool, "sign_in")


# --- deleting the account -------------------------------------------------------


def test_deleting_the_account_is_off_unless_the_pool_allows_it(pool, ann):
    client = browser(pool)
    assert (
        "Delete your account" not in client.get(url(pool, "account")).content.decode()
    )
    assert client.get(url(pool, "account_delete")).status_code == 404
    assert client.post(url(pool, "account_delete")).status_code == 404
    assert PoolUser.objects.filter(pk=ann.pk).exists()


def test_a_user_deletes_their_account(pool, ann, django_capture_on_commit_callbacks):
    Identifier.objects.filter(user=ann).update(is_verified=True)
    SignInPolicy.objects.update_or_create(
        pool=pool, defaults={"self_service_delete": True}
    )
    laptop, phone = browser(pool), browser(pool)
    page = laptop.get(url(pool, "account")).content.decode()
    assert "Delete your account" in page
    assert (
        "cannot be undone" in laptop.get(url(pool, "account_delete")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = laptop.post(url(pool, "account_delete"))
    assert done["Location"] == url(pool, "sign_in")
    assert not PoolUser.objects.filter(pk=ann.pk).exists()
    assert not SsoSession.objects.filter(user_id=ann.pk).exists()
    event = AuditEvent.objects.get(action="pool_user.deleted")
    assert event.actor_id == str(ann.pk)
    assert mail.outbox[-1].to == ["ann@example.com"]
    assert "deleted" in mail.outbox[-1].subject
    for client in (laptop, phone):
        assert client.get(url(pool, "account"))["Location"] == url(pool, "sign_in")
    # The address is free again.
    assert not Identifier.objects.filter(value="ann@example.com").exists()
