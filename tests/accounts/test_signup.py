"""Self-registration: sign up, confirm the address with a code, be active.
Enumeration-safe, rate-limited, codes with tries, cooldown and replacement."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Code
from core.delivery import sms
from core.models import AuditEvent
from identity_pools.models import Identifier, PoolUser
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"
FORM = {
    "identifier": "new@example.com",
    "data_given_name": "Nia",
    "data_family_name": "Okafor",
    "data_name": "Nia Okafor",
    "password1": GOOD,
    "password2": GOOD,
}


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, self_registration_enabled=True)


def urls(pool):
    args = [pool.workspace.slug, pool.pk]
    return (
        reverse("hosted:signup", args=args),
        reverse("hosted:signup_verify", args=args),
    )


def sign_up(client, pool, callbacks, **changes):
    signup, _verify = urls(pool)
    with callbacks(execute=True):
        return client.post(signup, {**FORM, **changes})


def the_code(message_body: str) -> str:
    return re.search(r"\b(\d{6})\b", message_body).group(1)


def test_sign_up_is_closed_unless_the_pool_allows_it(client, workspace):
    closed = IdentityPoolFactory(workspace=workspace)
    for url in urls(closed):
        assert client.get(url).status_code == 404
        assert client.post(url, FORM).status_code == 404
    assert not PoolUser.objects.exists()


def test_sign_up_then_wrong_code_then_right_code(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    response = sign_up(client, pool, django_capture_on_commit_callbacks)
    signup, verify = urls(pool)
    assert response["Location"] == verify
    user = PoolUser.objects.get()
    assert user.status == "new"
    page = client.get(verify).content.decode()
    assert "new@example.com" in page
    [message] = mailoutbox
    assert message.to == ["new@example.com"]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    code = the_code(message.body)

    wrong = client.post(verify, {"code": "000000" if code != "000000" else "111111"})
    assert [e.code for e in wrong.context["form"].non_field_errors().as_data()] == [
        "code_invalid"
    ]
    done = client.post(verify, {"code": code})
    assert done["Location"] == reverse(
        "hosted:registered", args=[pool.workspace.slug, pool.pk]
    )
    user.refresh_from_db()
    assert user.status == "active"
    assert Identifier.objects.get(user=user).is_verified
    assert set(
        AuditEvent.objects.filter(actor_id=str(user.pk)).values_list(
            "action", flat=True
        )
    ) == {"pool_user.signed_up", "pool_user.identifier_verified"}
    # The code works once, and the pending sign-up is gone.
    assert client.get(verify)["Location"] == signup


def test_sign_up_with_a_known_address_looks_the_same_and_sends_a_notice(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    known = PoolUserFactory(pool=pool, email="known@example.com")
    fresh = sign_up(client, pool, django_capture_on_commit_callbacks)
    other = client_for(client)
    again = sign_up(
        other, pool, django_capture_on_commit_callbacks, identifier="KNOWN@example.com"
    )
    assert (fresh.status_code, fresh["Location"]) == (
        again.status_code,
        again["Location"],
    )
    _signup, verify = urls(pool)
    page_fresh = client.get(verify).content.decode().replace("new@", "X@")
    page_known = other.get(verify).content.decode().replace("known@", "X@")
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)  # noqa: E731
    assert strip(page_fresh) == strip(page_known)
    notice = mailoutbox[-1]
    assert notice.to == ["known@example.com"]
    assert "already have an account" in notice.body
    assert not re.search(r"\b\d{6}\b", notice.body)
    assert PoolUser.objects.filter(pool=pool).count() == 2  # known + the new one
    # Any code is "not correct" for the known address's visitor.
    wrong = other.post(verify, {"code": "123456"})
    assert [e.code for e in wrong.context["form"].non_field_errors().as_data()] == [
        "code_invalid"
    ]
    known.refresh_from_db()
    assert known.status == "active"


def client_for(client):
    from django.test import Client

    return Client()


def test_a_code_dies_after_five_wrong_tries(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, pool, django_capture_on_commit_callbacks)
    _signup, verify = urls(pool)
    code = the_code(mailoutbox[0].body)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(verify, {"code": wrong})
    assert Code.objects.get().attempts == 5
    dead = client.post(verify, {"code": code})
    assert dead.status_code == 200
    assert PoolUser.objects.get().status == "new"


def _hosted_session(client):
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    return store(client.cookies[django_settings.HOSTED_SESSION_COOKIE_NAME].value)


def test_resend_waits_then_replaces_the_code(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, pool, django_capture_on_commit_callbacks)
    _signup, verify = urls(pool)
    first = the_code(mailoutbox[0].body)
    too_soon = client.post(verify, {"action": "resend"}, follow=True)
    assert "Wait" in too_soon.content.decode()
    assert len(mailoutbox) == 1
    # A minute later (the session's and the code's clocks both moved back).
    session = _hosted_session(client)
    session["signup"] = {
        **session["signup"],
        "sent_at": session["signup"]["sent_at"] - 61,
    }
    session.save()
    Code.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    from core.models import RateLimitBucket

    RateLimitBucket.objects.update(window_ends_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(verify, {"action": "resend"})
    assert len(mailoutbox) == 2
    second = the_code(mailoutbox[1].body)
    if first != second:
        assert client.post(verify, {"code": first}).status_code == 200
    assert client.post(verify, {"code": second}).status_code == 302


def test_expired_code_is_refused(
    client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, pool, django_capture_on_commit_callbacks)
    _signup, verify = urls(pool)
    Code.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(verify, {"code": the_code(mailoutbox[0].body)})
    assert response.status_code == 200
    assert PoolUser.objects.get().status == "new"


def test_identifier_types_the_pool_does_not_accept(
    client, pool, django_capture_on_commit_callbacks
):
    response = sign_up(
        client, pool, django_capture_on_commit_callbacks, identifier="+447911123456"
    )
    assert [
        e.code for e in response.context["form"].errors.as_data()["identifier"]
    ] == ["identifier_type_not_allowed"]
    assert not PoolUser.objects.exists()


def test_sign_up_with_a_mobile_number(
    client, pool, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "core.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    pool.signup_with_phone = True
    pool.save()
    sign_up(
        client, pool, django_capture_on_commit_callbacks, identifier="+44 7911 123456"
    )
    [text] = sms.outbox
    assert text.to == "+447911123456"
    _signup, verify = urls(pool)
    assert client.post(verify, {"code": the_code(text.body)}).status_code == 302
    assert PoolUser.objects.get().status == "active"


def test_password_policy_and_data_errors_write_nothing(
    client, pool, django_capture_on_commit_callbacks
):
    weak = sign_up(
        client,
        pool,
        django_capture_on_commit_callbacks,
        password1="short",
        password2="short",
        data_given_name="",
    )
    errors = weak.context["form"].errors.as_data()
    assert [e.code for e in errors["password1"]] == ["password_too_short"]
    assert errors["data_given_name"]
    assert not PoolUser.objects.exists()


def test_a_failed_send_is_recorded_and_a_resend_retries(
    client, pool, settings, django_capture_on_commit_callbacks, time_passes
):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.accounts.test_signup.FailingBackend"}
    }
    sign_up(client, pool, django_capture_on_commit_callbacks)
    user = PoolUser.objects.get()  # the user is kept
    assert Code.objects.get(user=user).send_failed_at is not None
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    session = _hosted_session(client)
    session["signup"] = {
        **session["signup"],
        "sent_at": session["signup"]["sent_at"] - 61,
    }
    session.save()
    Code.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    time_passes(61)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(urls(pool)[1], {"action": "resend"}, follow=True)
    assert "A new code is on its way" in resent.content.decode()
    assert len(mail.outbox) == 1
    assert client.post(urls(pool)[1], {"code": the_code(mail.outbox[0].body)})[
        "Location"
    ]


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_console_opens_sign_up(owner_client, workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    url = reverse("identity_pools:pool_sign_up", args=[workspace.slug, pool.pk])
    none = owner_client.post(url, {"self_registration_enabled": "on"})
    assert [
        e.code for e in none.context["sign_up_form"].non_field_errors().as_data()
    ] == ["signup_no_identifier"]
    ftp = owner_client.post(
        url,
        {
            "self_registration_enabled": "on",
            "signup_with_email": "on",
            "post_registration_url": "ftp://example.com/",
        },
    )
    assert ftp.context["sign_up_form"].errors["post_registration_url"]
    owner_client.post(
        url, {"self_registration_enabled": "on", "signup_with_email": "on"}
    )
    pool.refresh_from_db()
    assert pool.self_registration_enabled and pool.signup_with_email
    settings_page = owner_client.get(
        reverse("identity_pools:pool_settings", args=[workspace.slug, pool.pk])
    ).content.decode()
    assert (
        f"http://localhost:8000/w/{workspace.slug}/pools/{pool.pk}/signup/"
        in settings_page
    )
    assert AuditEvent.objects.filter(action="pool.sign_up_changed").exists()


def test_hosted_pages_resolve_pools_through_their_workspace(client, pool):
    """A pool's pages answer only under its own workspace's address."""
    from tests.factories import WorkspaceFactory

    other = WorkspaceFactory()
    for name in ("hosted:signup", "hosted:signup_verify", "hosted:registered"):
        assert client.get(reverse(name, args=[other.slug, pool.pk])).status_code == 404
    assert (
        client.get(
            reverse("hosted:signup", args=[pool.workspace.slug, pool.pk])
        ).status_code
        == 200
    )


def test_the_hosted_session_is_its_own_cookie(
    client, pool, django_capture_on_commit_callbacks
):
    sign_up(client, pool, django_capture_on_commit_callbacks)
    cookie = client.cookies[django_settings.HOSTED_SESSION_COOKIE_NAME]
    assert cookie["path"] == "/w/" and cookie["httponly"]
    assert django_settings.SESSION_COOKIE_NAME not in client.cookies
