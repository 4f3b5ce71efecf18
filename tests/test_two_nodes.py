"""More than one app node: two gunicorn servers on one PostgreSQL database, and
flows whose steps alternate between them (sessions, codes, sign-in locks,
authorization codes and signing keys live in the database, not in a process).
Then the read replicas' router: the console's user lists read from a replica
alias, everything else from the primary."""

from __future__ import annotations

import copy
import os
import secrets
from contextlib import ExitStack, contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from accounts.models import SignInLock
from config.database import replica_databases
from core.db import PrimaryReplicaRouter, replica_alias
from identity_pools.models import GroupMembership, Identifier, PoolUser
from identity_pools.policies.sign_in import sign_in_policy_for
from tests.conftest import hosted_url as hosted
from tests.factories import (
    GroupFactory,
    IdentityPoolFactory,
    PoolUserFactory,
    WorkspaceFactory,
)
from tests.nodes import (
    PUBLIC_URL,
    Browser,
    database_url,
    mailed_texts,
    start_nodes,
    wait_for,
)
from tests.oidc.oidc_helpers import GOOD, REDIRECT, basic, make_user, pkce
from tests.oidc.oidc_helpers import setup_provider as oidc_setup_provider

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
two_nodes = pytest.mark.postgresql(
    reason="nodes on several machines share PostgreSQL, the production database; "
    "SQLite is one machine's file"
)


@pytest.fixture(scope="module")
def node_env(django_db_setup, tmp_path_factory):
    mail_dir = tmp_path_factory.mktemp("mail")
    env = {
        **os.environ,
        # The test database pytest-django made (per xdist worker).
        "DATABASE_URL": database_url(connections["default"].settings_dict),
        "DATABASE_REPLICA_URLS": "",
        # What every node of one deployment shares.
        "PUBLIC_URL": PUBLIC_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "SIGNING_KEYS_SECRET": settings.SIGNING_KEYS_SECRET,
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "EMAIL_URL": f"filemail://{mail_dir}",
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    return env, mail_dir


@pytest.fixture(scope="module")
def nodes(node_env, tmp_path_factory):
    """Nodes A and B, started once for this module and always stopped."""
    if not ON_POSTGRES:
        pytest.skip("two app servers need PostgreSQL")
    env, _mail_dir = node_env
    started = start_nodes(["A", "B"], env=env, log_dir=tmp_path_factory.mktemp("logs"))
    try:
        yield started
    finally:
        for node in started:
            node.stop()


@pytest.fixture
def mail_dir(node_env):
    return node_env[1]


def fresh_workspace():
    # Slugs unique across the module: the nodes outlive each test's rows.
    tag = secrets.token_hex(4)
    return WorkspaceFactory(slug=f"nodes-{tag}", name=f"Nodes {tag}")


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(browser, pool, identifier, password, *, first, then):
    """Identifier step on node ``first``, password step on node ``then``."""
    step = browser.submit(first, hosted(pool, "sign_in"), {"identifier": identifier})
    assert step.status_code == 200, browser.route()  # the password page itself
    assert path_of(step.headers["Content-Location"]) == hosted(pool, "sign_in_password")
    return browser.submit(
        then, hosted(pool, "sign_in_password"), {"password": password}
    )


@two_nodes
@pytest.mark.django_db(transaction=True)
def test_two_nodes_password_sign_in_moves_between_nodes(nodes):
    a, b = nodes
    pool = IdentityPoolFactory(workspace=fresh_workspace())
    make_user(pool)
    browser = Browser()
    done = sign_in(browser, pool, "ann@example.com", GOOD, first=a, then=b)
    assert done.status_code == 302, browser.route()
    assert path_of(done.headers["Location"]) == hosted(pool, "account")
    page = browser.get(a, hosted(pool, "account"))
    assert page.status_code == 200, browser.route()
    assert "ann@example.com" in page.text and "signed in" in page.text
    assert PoolUser.objects.get().last_sign_in_at is not None
    # Nodes answer only the hosts they serve (DJANGO_ALLOWED_HOSTS).
    for node in nodes:
        foreign = requests.get(node.url + "/", headers={"Host": "evil.example"})
        assert foreign.status_code == 400


@two_nodes
@pytest.mark.django_db(transaction=True)
def test_two_nodes_self_registration_code_entered_on_the_other_node(nodes, mail_dir):
    a, b = nodes
    pool = IdentityPoolFactory(
        workspace=fresh_workspace(), self_registration_enabled=True
    )
    address = f"new-{secrets.token_hex(3)}@example.com"
    browser = Browser()
    started = browser.submit(
        a,
        hosted(pool, "signup"),
        {
            "identifier": address,
            "data_given_name": "Nia",
            "data_family_name": "Okafor",
            "data_name": "Nia Okafor",
            "password1": GOOD,
            "password2": GOOD,
        },
    )
    assert started.status_code == 302, browser.route()
    verify = path_of(started.headers["Location"])
    assert verify == hosted(pool, "signup_verify")
    # Node A sent the code after its transaction committed, before it answered.
    [text] = wait_for(
        lambda: mailed_texts(mail_dir, address), timeout=30, what="the code's email"
    )
    code = next(w for w in text.split() if w.isdigit() and len(w) == 6)
    wrong = "000000" if code != "000000" else "111111"
    # A wrong try on A and the right code on B: one pending sign-up, one code.
    assert browser.submit(a, verify, {"code": wrong}).status_code == 200
    # The form read on A, the code posted to B: one CSRF secret for all nodes.
    done = browser.submit(b, verify, {"code": code}, form_node=a)
    assert done.status_code == 302, browser.route()
    assert path_of(done.headers["Location"]) == hosted(pool, "registered")
    assert browser.get(a, hosted(pool, "registered")).status_code == 200
    user = PoolUser.objects.get()
    assert user.status == "active"
    assert Identifier.objects.get(user=user).is_verified


@two_nodes
@pytest.mark.django_db(transaction=True)
def test_two_nodes_authorization_code_flow(nodes):
    a, b = nodes
    ws = fresh_workspace()
    pool, application, secret = oidc_setup_provider(ws)
    user = make_user(pool)
    verifier, challenge = pkce()
    browser = Browser()
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email",
        "state": "st-2",
        "nonce": "n-2",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    start = browser.get(a, reverse("oidc:authorize", args=[ws.slug]), params=query)
    assert start.status_code == 302, browser.route()
    assert path_of(start.headers["Location"]).startswith(hosted(pool, "sign_in"))
    response = sign_in(browser, pool, "ann@example.com", GOOD, first=b, then=b)
    # Inside the provider (authorize/continue) on A, until it leaves for the app.
    for _ in range(6):
        assert response.status_code == 302, browser.route()
        location = response.headers["Location"]
        if location.startswith(REDIRECT):
            break
        response = browser.get(a, path_of(location))
    else:
        raise AssertionError("never reached the application:\n" + browser.route())
    callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert callback["state"] == "st-2", callback
    # The application's back channel: a plain client, no browser cookies.
    app = Browser()

    def exchange(node):
        return app.request(
            node,
            "POST",
            reverse("oidc:token", args=[ws.slug]),
            data={
                "grant_type": "authorization_code",
                "code": callback["code"],
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            headers=basic(application, secret),
        )

    token = exchange(a)
    assert token.status_code == 200, token.text
    tokens = token.json()
    userinfo = app.get(
        b,
        reverse("oidc:userinfo", args=[ws.slug]),
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["email"] == "ann@example.com"
    # The ID token A signed verifies with the keys B publishes; one issuer.
    jwks = app.get(b, reverse("oidc:jwks", args=[ws.slug])).json()
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks)).claims
    assert claims["iss"] == f"{PUBLIC_URL}/w/{ws.slug}"
    assert claims["sub"] == userinfo.json()["sub"] and claims["nonce"] == "n-2"
    # The code was used once, whichever node sees it again.
    again = exchange(b)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    user.refresh_from_db()
    assert user.last_sign_in_at is not None


@two_nodes
@pytest.mark.django_db(transaction=True)
def test_two_nodes_failed_sign_ins_count_across_nodes(nodes):
    pool = IdentityPoolFactory(workspace=fresh_workspace())
    make_user(pool)
    failures = sign_in_policy_for(pool).lockout_failures
    browser = Browser()

    def attempt(number: int, password: str):
        node = nodes[number % 2]  # A, B, A, B, …
        return sign_in(
            browser, pool, "ann@example.com", password, first=node, then=node
        )

    for number in range(failures):
        if number == failures - 1:
            # One failure short of the limit, spread over both nodes: not blocked.
            lock = SignInLock.objects.get()
            assert (lock.failures, lock.blocked_until) == (failures - 1, None)
        wrong = attempt(number, "not the password, surely")
        assert wrong.status_code == 200, browser.route()
        assert "not correct" in wrong.text
    # The last failure earned the block, as on one node: the right password is
    # refused on both nodes.
    assert SignInLock.objects.get().blocked_until is not None
    for number in (failures, failures + 1):
        blocked = attempt(number, GOOD)
        assert blocked.status_code == 429, browser.route()
        assert "Too many failed sign-ins" in blocked.text
    assert {step.node for step in browser.trace} == {"A", "B"}


# --- read replicas -------------------------------------------------------------------


def test_replica_databases_from_urls():
    databases = replica_databases(
        ["postgres://ro@replica-1:5432/ip", " postgres://ro@replica-2/ip ", ""]
    )
    assert list(databases) == ["replica_1", "replica_2"]
    assert databases["replica_2"]["HOST"] == "replica-2"
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert replica_databases([]) == {}


REPLICA = "replica_1"
# Transactional: the replica alias has its own connection, which sees only
# committed rows, as a real replica does.
replica_db = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module")
def replica(django_db_setup):
    """A replica alias on the test database (``TEST["MIRROR"]``), as
    ``DATABASE_REPLICA_URLS`` makes one. Module-scoped so that it exists before
    the test case checks its ``databases``."""
    config = copy.deepcopy(connections["default"].settings_dict)
    config["TEST"] = {**config.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA] = config
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@contextmanager
def replica_unconfigured():
    """As if ``DATABASE_REPLICA_URLS`` were empty (for a baseline)."""
    config = connections.settings.pop(REPLICA)
    try:
        yield
    finally:
        connections.settings[REPLICA] = config


@replica_db
def test_replica_alias_and_router(replica):
    with replica_unconfigured():
        assert replica_alias() == "default"
    assert replica_alias() == replica
    with transaction.atomic():
        # Reads inside a transaction must see its own writes.
        assert replica_alias() == "default"
    router = PrimaryReplicaRouter()
    loaded = PoolUser(pk=1)
    loaded._state.db = replica
    assert router.db_for_write(PoolUser, instance=loaded) == "default"
    assert router.db_for_read(Identifier, instance=loaded) == replica
    assert router.db_for_read(Identifier) == "default"
    assert not router.allow_migrate(replica, "identity_pools")
    assert router.allow_migrate("default", "identity_pools")


@replica_db
@pytest.mark.parametrize("page", ["pool_user_list", "group_detail"])
def test_user_lists_read_from_the_replica_with_constant_queries(
    replica, client, owner, workspace, page
):
    client.force_login(owner)
    pool = IdentityPoolFactory(workspace=workspace)
    group = GroupFactory(pool=pool)
    args = [workspace.slug, pool.pk] + ([group.pk] if page == "group_detail" else [])
    url = reverse(f"identity_pools:{page}", args=args)

    def add_users(count: int) -> None:
        users = [PoolUserFactory(pool=pool) for _ in range(count)]
        GroupMembership.objects.bulk_create(
            GroupMembership(group=group, user=user) for user in users
        )

    def load(*aliases):
        with ExitStack() as stack:
            contexts = [
                stack.enter_context(CaptureQueriesContext(connections[a]))
                for a in aliases
            ]
            response = client.get(url)
        assert response.status_code == 200
        shown = {u.pk for u in response.context["page"].items}
        return shown, [[q["sql"] for q in c.captured_queries] for c in contexts]

    add_users(1)
    with replica_unconfigured():
        _, [primary_only] = load("default")
    for more in (0, 60):
        add_users(more)
        shown, [primary, replicated] = load("default", replica)
        expected = set(
            PoolUser.objects.filter(pool=pool)
            .order_by("-pk")
            .values_list("pk", flat=True)[:50]
        )
        assert shown == expected
        # The list's own queries (users, their identifiers) on the replica;
        # the session, operator, workspace and pool on the primary.
        assert len(replicated) == 2, replicated
        assert '"identity_pools_pooluser"' in replicated[0]
        assert '"identity_pools_identifier"' in replicated[1]
        assert not any(
            sql.startswith('SELECT "identity_pools_pooluser"') for sql in primary
        )
        assert len(primary) + len(replicated) == len(primary_only)


@replica_db
def test_a_browser_that_wrote_reads_its_list_from_the_primary(
    replica, client, owner, workspace
):
    from core.db import PRIMARY_COOKIE

    client.force_login(owner)
    pool = IdentityPoolFactory(workspace=workspace)
    url = reverse("identity_pools:pool_user_list", args=[workspace.slug, pool.pk])
    # Any change (here a POST that is refused) marks the browser for a while…
    client.post(
        reverse("identity_pools:pool_user_create", args=[workspace.slug, pool.pk]), {}
    )
    assert client.cookies[PRIMARY_COOKIE]["max-age"] == 10
    with CaptureQueriesContext(connections[replica]) as replicated:
        assert client.get(url).status_code == 200
    assert replicated.captured_queries == []  # …so its list comes from the primary
    del client.cookies[PRIMARY_COOKIE]
    with CaptureQueriesContext(connections[replica]) as replicated:
        client.get(url)
    assert replicated.captured_queries  # without the mark: the replica again
