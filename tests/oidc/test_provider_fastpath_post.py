"""The token endpoint and userinfo's POSTs on the fast path (``fast_view(post=True)``):
after the first request to the path they skip the browser pages' middleware
with the same answer; a refusal's audit event still has the client's address;
they take the whole way while replicas are configured (their read-your-writes
cookie). And the Content-Security-Policy header of fast answers is made once
per configuration, by the middleware when it needs a nonce."""

from __future__ import annotations

import django.middleware.csp
import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.csp import CSP

from core.fastpath import responses
from core.fastpath.responses import FastPathMiddleware
from core.models import AuditEvent

from .oidc_helpers import basic, exchange, get_code, make_user, token_url

pytestmark = pytest.mark.django_db

HEADERS_THAT_VARY = {"Content-Length"}


@pytest.fixture
def learnt(monkeypatch):
    """The paths that took the whole way (and were learnt), in order."""
    paths = []
    learn = FastPathMiddleware._learn

    def counted(middleware, request):
        paths.append(request.path)
        return learn(middleware, request)

    monkeypatch.setattr(FastPathMiddleware, "_learn", counted)
    return paths


@pytest.fixture
def signed_in(client, web):
    """(application, secret, (code, verifier) maker) of a signed-in Ann."""
    pool, application, secret = web
    make_user(pool)

    made = []

    def new_code():
        made.append(
            get_code(
                client, application.workspace, application, pool, signed_in=bool(made)
            )
        )
        return made[-1]

    return application, secret, new_code


def same_headers(a, b) -> bool:
    def kept(response):
        return {k: v for k, v in response.headers.items() if k not in HEADERS_THAT_VARY}

    return kept(a) == kept(b)


def test_token_posts_skip_the_pages_middleware(client, workspace, signed_in, learnt):
    application, secret, new_code = signed_in
    codes = [new_code(), new_code()]
    learnt.clear()  # the sign-in's pages
    whole = exchange(client, workspace, application, *codes[0], secret)
    fast = exchange(client, workspace, application, *codes[1], secret)
    assert whole.status_code == fast.status_code == 200
    assert learnt == [token_url(workspace)]  # the second went straight to the view
    assert same_headers(whole, fast)
    assert whole.json().keys() == fast.json().keys()
    assert not fast.cookies


def test_userinfo_posts_skip_the_pages_middleware(client, workspace, signed_in, learnt):
    application, secret, new_code = signed_in
    token = exchange(client, workspace, application, *new_code(), secret).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    learnt.clear()
    url = token_url(workspace, "userinfo")
    whole, fast = (client.post(url, headers=bearer) for _ in "12")
    assert whole.status_code == fast.status_code == 200
    assert learnt == [url]
    assert fast.content == whole.content and same_headers(whole, fast)


def test_a_refusal_on_the_fast_path_is_audited_with_the_address(
    client, workspace, signed_in, learnt
):
    application, secret, new_code = signed_in
    assert (
        exchange(client, workspace, application, *new_code(), secret).status_code == 200
    )
    learnt.clear()
    wrong = client.post(
        token_url(workspace),
        {"grant_type": "refresh_token", "refresh_token": "iprt_nothing"},
        headers=basic(application, secret),
        REMOTE_ADDR="203.0.113.9",
    )
    assert wrong.status_code == 400 and learnt == []
    event = AuditEvent.objects.filter(action="oauth.token_refused").latest("pk")
    assert event.ip_address == "203.0.113.9"


def test_posts_take_the_whole_way_with_replicas(
    workspace, signed_in, learnt, monkeypatch
):
    """With replicas, a POST's answer sets the read-your-writes cookie
    (``core.db.PrimaryAfterWriteMiddleware``): not skipped."""
    monkeypatch.setattr(responses, "replica_aliases", lambda: ["replica"])
    served = []
    serve = FastPathMiddleware._serve

    def counted(middleware, request):
        served.append(request.path)
        return serve(middleware, request)

    monkeypatch.setattr(FastPathMiddleware, "_serve", counted)
    application, secret, new_code = signed_in
    codes = [new_code(), new_code()]
    client = Client()  # its middleware made with the replica
    learnt.clear()
    for code in codes:
        assert (
            exchange(client, workspace, application, *code, secret).status_code == 200
        )
    assert learnt == [token_url(workspace)] and served == []


@pytest.fixture
def policies_built(monkeypatch):
    """How many times ContentSecurityPolicyMiddleware built a header."""
    built = []
    build = django.middleware.csp.build_policy

    def counted(config, nonce=None):
        built.append(config)
        return build(config, nonce)

    monkeypatch.setattr(django.middleware.csp, "build_policy", counted)
    return built


def test_a_fast_answer_has_the_policy_made_ahead(client, workspace, policies_built):
    url = reverse("oidc:jwks", args=[workspace.slug])
    whole = client.get(url)
    policies_built.clear()
    fast = client.get(url)
    assert policies_built == []
    assert fast["Content-Security-Policy"] == whole["Content-Security-Policy"]
    assert "default-src 'self'" in fast["Content-Security-Policy"]


def test_a_fast_answer_names_its_headers_as_plain_strings(client, workspace):
    """A WSGI server takes header names of type str only (wsgiref refuses a
    StrEnum such as CSP.HEADER_ENFORCE with a 500)."""
    url = reverse("oidc:jwks", args=[workspace.slug])
    client.get(url)
    fast = client.get(url)
    assert "Content-Security-Policy" in fast
    assert all(type(name) is str for name in fast.headers)


def test_a_fast_answer_refuses_a_host_not_allowed(client, workspace):
    """The Host header is checked against ALLOWED_HOSTS on the fast path too."""
    url = reverse("oidc:jwks", args=[workspace.slug])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # the fast path
    assert client.get(url, HTTP_HOST="evil.example").status_code == 400


def test_a_policy_with_a_nonce_is_left_to_the_middleware(
    client, workspace, policies_built
):
    """A policy that names the nonce has it when the answer used it: the
    middleware builds it, for every answer."""
    url = reverse("oidc:jwks", args=[workspace.slug])
    with override_settings(
        SECURE_CSP={"default-src": [CSP.SELF], "script-src": [CSP.SELF, CSP.NONCE]}
    ):
        whole = client.get(url)
        policies_built.clear()
        fast = client.get(url)
    assert len(policies_built) == 1
    assert fast["Content-Security-Policy"] == whole["Content-Security-Policy"]
