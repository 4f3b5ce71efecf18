"""The hosted pages' session store: a session ended by another request of the
same browser while this one ran is not brought back, and is no server error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.hosted.session import HostedSessionMiddleware

pytestmark = pytest.mark.django_db


def run(middleware, key):
    request = RequestFactory().post("/w/acme/pools/x/signin/passkey/options/")
    if key:
        request.COOKIES[settings.HOSTED_SESSION_COOKIE_NAME] = key
    return request, middleware(request)


def test_a_session_ended_meanwhile_stays_ended():
    def start(request):
        request.hosted_session["step"] = 1
        return HttpResponse("ok")

    _request, response = run(HostedSessionMiddleware(start), None)
    key = response.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value

    def signed_out_elsewhere(request):
        request.hosted_session["challenge"] = "abc"  # loads the session
        Session.objects.filter(session_key=key).delete()  # the other request
        return HttpResponse("ok")

    _request, response = run(HostedSessionMiddleware(signed_out_elsewhere), key)
    assert response.status_code == 200
    assert settings.HOSTED_SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.filter(session_key=key).exists()


def test_a_stored_session_is_read_back_until_it_expires():
    def start(request):
        request.hosted_session["step"] = 1
        return HttpResponse("ok")

    _request, response = run(HostedSessionMiddleware(start), None)
    key = response.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value
    seen = []

    def read(request):
        seen.append(request.hosted_session.get("step"))
        return HttpResponse("ok")

    run(HostedSessionMiddleware(read), key)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    request, _response = run(HostedSessionMiddleware(read), key)
    assert seen == [1, None]
    assert request.hosted_session.session_key is None  # a new browser's session


def test_a_taken_session_key_is_drawn_again_inside_a_transaction(monkeypatch):
    from django.db import transaction

    from accounts.sessions import SessionStore

    first = SessionStore()
    first["owner"] = "first"
    first.save()
    keys = iter([first.session_key, "b" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    second = SessionStore()
    second["owner"] = "second"
    with transaction.atomic():  # a taken key does not break the transaction
        second.save()
        assert Session.objects.count() == 2
    assert second.session_key == "b" * 32
    assert SessionStore(first.session_key).load() == {"owner": "first"}
    assert SessionStore("b" * 32).load() == {"owner": "second"}
