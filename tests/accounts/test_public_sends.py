"""A public page never tells that an address has just been sent mail (issue
20: signing up with an address invited a moment ago answered "A message was
sent to … less than a minute ago"). On sign-up, its "Send a new code" and
"Forgot password?", a send refused by a recipient's limit (or, for a reset, by
the code's resend interval) is silent and the page reads as for any address;
the workspace's daily limit is said alike for every address. The signed-in
account page still tells its user, and never whose address it is."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client

from core.catalogue import message
from core.delivery.limits import send_quota_consume
from identity_pools.models import CodePolicy, Identifier
from identity_pools.services import users
from tests.accounts.test_account_identifiers import signed_in
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory, PoolUserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"
NIA = {"given_name": "Nia", "family_name": "Okafor", "name": "Nia Okafor"}
# (the recipient limit a message just used up: one a minute; ten a day)
LIMITS = {
    "a minute ago": {
        "recipient_per_minute": 1,
        "recipient_per_day": 10,
        "workspace_per_day": 1000,
    },
    "too much today": {
        "recipient_per_minute": 100,
        "recipient_per_day": 1,
        "workspace_per_day": 1000,
    },
}


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, self_registration_enabled=True)


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def mail_just_sent_to(address: str) -> None:
    """Another workspace sent ``address`` a message a moment ago (the limits
    per recipient span workspaces)."""
    with transaction.atomic():
        send_quota_consume(workspace=WorkspaceFactory(), recipient=address)


def sign_up(pool, sending, address, client=None):
    client = client or Client()
    form = {f"data_{k}": v for k, v in NIA.items()}
    with sending():
        response = client.post(
            url(pool, "signup"),
            {"identifier": address, "password1": GOOD, "password2": GOOD, **form},
        )
    return client, response


def errors(response) -> list[str]:
    form = response.context["form"]
    return [e.code for e in form.non_field_errors().as_data()]


def page_text(client, pool, name, address):
    html = client.get(url(pool, name)).content.decode().replace(address, "X")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.mark.parametrize("limit", LIMITS)
def test_sign_up_with_an_address_just_invited_reads_as_any_address(
    pool, owner, settings, sending, mailoutbox, limit
):
    settings.MESSAGE_RATE_LIMITS = LIMITS[limit]
    with sending():
        users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="invited@example.com",
            user_data=NIA,
            mode="invite",
        )
    invited, known = sign_up(pool, sending, "invited@example.com")
    fresh, new = sign_up(pool, sending, "fresh@example.com")
    assert (known.status_code, known["Location"]) == (302, url(pool, "signup_verify"))
    assert (new.status_code, new["Location"]) == (302, url(pool, "signup_verify"))
    assert page_text(invited, pool, "signup_verify", "invited@") == page_text(
        fresh, pool, "signup_verify", "fresh@"
    )
    # Nothing more reached the invited address (its limit held).
    assert [m.to for m in mailoutbox] == [
        ["invited@example.com"],
        ["fresh@example.com"],
    ]


@pytest.mark.parametrize("limit", LIMITS)
def test_a_new_address_that_just_had_mail_signs_up_as_any(
    pool, settings, sending, mailoutbox, limit
):
    """It is created, without a code for now: "Send a new code" later."""
    settings.MESSAGE_RATE_LIMITS = LIMITS[limit]
    mail_just_sent_to("busy@example.com")
    _client, response = sign_up(pool, sending, "busy@example.com")
    assert response["Location"] == url(pool, "signup_verify")
    assert not mailoutbox
    assert Identifier.objects.filter(pool=pool, value="busy@example.com").exists()


def test_send_a_new_code_reads_as_any_address_when_the_address_just_had_mail(
    pool, sending, mailoutbox, time_passes
):
    from tests.accounts.test_signup import _hosted_session

    busy, _ = sign_up(pool, sending, "busy@example.com")
    quiet, _ = sign_up(pool, sending, "quiet@example.com")
    first = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    time_passes(61)
    for client in (busy, quiet):  # past this sign-up's resend interval
        session = _hosted_session(client)
        session["signup"] = {
            **session["signup"],
            "sent_at": session["signup"]["sent_at"] - 61,
        }
        session.save()
    mail_just_sent_to("busy@example.com")
    pages = []
    for client in (busy, quiet):
        with sending():
            done = client.post(
                url(pool, "signup_verify"), {"action": "resend"}, follow=True
            )
        pages.append([str(m) for m in done.context["messages"]])
    assert pages[0] == pages[1] == ["A new code is on its way."]
    assert [m.to for m in mailoutbox][2:] == [["quiet@example.com"]]
    # The first code of the address that had mail still works.
    assert busy.post(url(pool, "signup_verify"), {"code": first}).status_code == 302


@pytest.fixture
def ann(ann):
    """tests/conftest.py's Ann (password GOOD), her address verified."""
    Identifier.objects.filter(user=ann).update(is_verified=True)
    return ann


def forgot(pool, sending, address):
    with sending():
        return Client().post(url(pool, "reset_start"), {"identifier": address})


@pytest.mark.parametrize("limit", LIMITS)
def test_forgot_password_reads_as_any_address_when_it_just_had_mail(
    pool, ann, settings, sending, mailoutbox, limit
):
    settings.MESSAGE_RATE_LIMITS = LIMITS[limit]
    for address in ("ann@example.com", "nobody@example.com"):
        mail_just_sent_to(address)
    answers = [
        forgot(pool, sending, address)
        for address in ("ann@example.com", "nobody@example.com", "fresh@example.com")
    ]
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, url(pool, "reset_finish"))
    }
    assert not mailoutbox


def test_forgot_password_within_the_pools_resend_interval_reads_as_any_address(
    pool, ann, sending, mailoutbox, time_passes
):
    """A pool may space codes wider than the one-a-minute limit: a second
    request inside that interval is as silent as for an unknown address, and
    the first code still works."""
    CodePolicy.objects.create(
        pool=pool, purpose="password_reset", lifetime_seconds=900, resend_seconds=600
    )
    assert forgot(pool, sending, "ann@example.com").status_code == 302
    time_passes(61)
    again = forgot(pool, sending, "ann@example.com")
    unknown = forgot(pool, sending, "nobody@example.com")
    assert (again.status_code, again["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )
    assert len(mailoutbox) == 1
    code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    with sending():
        done = Client().post(
            url(pool, "reset_finish"),
            {
                "identifier": "ann@example.com",
                "code": code,
                "password1": "another long passphrase for 2027",
                "password2": "another long passphrase for 2027",
            },
        )
    assert done["Location"] == url(pool, "sign_in")


def test_the_workspaces_daily_limit_is_said_alike_for_every_address(
    pool, ann, settings, sending, mailoutbox
):
    settings.MESSAGE_RATE_LIMITS = {**LIMITS["a minute ago"], "workspace_per_day": 1}
    with transaction.atomic():  # the workspace's one message today, to ann
        send_quota_consume(workspace=pool.workspace, recipient="ann@example.com")
    said = []
    for address in ("ann@example.com", "fresh@example.com"):
        _client, signup = sign_up(pool, sending, address)
        reset = forgot(pool, sending, address)
        assert errors(signup) == errors(reset) == ["send_rate_limited"]
        said.append(
            [
                str(m).replace(address, "X")
                for m in signup.context["form"].non_field_errors()
            ]
        )
    assert said[0] == said[1]
    assert "This workspace has sent 1 messages" in said[0][0]
    assert not mailoutbox


def test_the_account_page_tells_its_user_but_not_whose_address_it_is(
    pool, ann, sending
):
    """Adding an address that has just had mail is refused with the reason (the
    user's own action); the answer is the same whether another user of the
    pool has the address or nobody does."""
    PoolUserFactory(pool=pool, email="bob@example.com")
    client = signed_in(pool)
    said = []
    for address in ("bob@example.com", "free@example.com"):
        mail_just_sent_to(address)
        with sending():
            response = client.post(
                url(pool, "account_identifier_add"), {"identifier": address}
            )
        assert errors(response) == ["send_rate_limited"]
        said.append(
            [
                str(m).replace(address, "X")
                for m in response.context["form"].non_field_errors()
            ]
        )
    assert said[0] == said[1]
    assert said[0][0].startswith(
        message(
            "send_rate_limited.recipient_minute", recipient="X", wait="1 minute"
        ).split(" less")[0]
    )
