"""What bench/peers/run.py measures, set up from outside each server:

- **ours**: ``manage.py`` commands (migrate, create_workspace, create_operator,
  create_api_token), then the REST API (pools, users, identity providers,
  applications) under gunicorn, and one ``manage.py shell`` line for the pool
  setting the API has no field for ("password on the first page");
- **the Django peers** (bench/peers/django_peers): migrate and ``peers_setup``;
- **node-oidc-provider** (bench/peers/node/server.mjs): its client comes from the
  environment, its tables from the server itself.

Every URL but the first comes from the servers: the hosted sign-in pages from
where an authorization request leads, the console's sign-in page from where
the console's address leads, the endpoints from the discovery documents.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from client import (
    BenchError,
    Browser,
    Conn,
    authorization_url,
    authorize,
    expect,
    sign_in,
    sign_in_form,
)
from servers import (
    DJANGO_PEERS,
    LOGS,
    NODE,
    Server,
    SetupError,
    base_env,
    free_port,
    gunicorn,
    recreate_database,
    run,
)

SLUG = "bench-peers"
EMAIL = "bench@example.com"
OPERATOR = "bench-operator@example.com"
REDIRECT = "https://app.example.com/callback"
# Random each run: long enough for every password policy, in no breached list,
# with nothing of the user's address or name in it (ours refuses those).
PASSWORD = "Quiet harbour lanterns " + secrets.token_hex(6)
USER_DATA = {"given_name": "Bench", "family_name": "User", "name": "Bench User"}

# The one setting without a command or an API field: Sign-in methods →
# "password on the first page", through the service the console's form calls.
ONE_PAGE_SNIPPET = """
from core.audit import SystemActor
from identity_pools.models import IdentityPool
try:  # where it lives since the policies package (issue 21)
    from identity_pools.policies.services import pool_update_sign_in_methods
except ImportError:
    from identity_pools.services.pools import pool_update_sign_in_methods
pool_update_sign_in_methods(
    pool=IdentityPool.objects.get(pk="{pool}"),
    actor=SystemActor("bench/peers"),
    password_on_first_page=True,
)
"""


@dataclass
class SignInPath:
    """A sign-in page: where it starts and what its forms are filled with."""

    label: str
    server: Server
    start: str
    values: dict[str, str]
    requests: int = 0  # a sign-in's requests, found by check_sign_in


@dataclass
class Provider:
    """An OpenID provider with one confidential client (client_secret_basic)."""

    label: str
    server: Server
    discovery: str
    client_id: str
    client_secret: str
    values: dict[str, str]  # the sign-in forms of its authorization step
    endpoints: dict[str, str] = field(default_factory=dict)
    access_tokens: list[str] = field(default_factory=list)  # for userinfo

    def load_endpoints(self) -> None:
        """The paths of the discovery document's endpoints (on this server)."""
        conn = Conn(self.server.port)
        response = expect(Browser(conn).send("GET", self.discovery), 200, "discovery")
        document = json.loads(response.body)
        conn.close()
        for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
            self.endpoints[key] = _path(document[key])
        self.endpoints["jwks_uri"] = _path(document["jwks_uri"])

    def code(self, browser: Browser) -> tuple[str, str]:
        endpoint = self.endpoints["authorization_endpoint"]
        return authorize(browser, endpoint, self.client_id, REDIRECT, self.values)


def _path(url: str) -> str:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SetupError(f"an endpoint is not on this machine: {url}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_page(server: Server, url: str, values: dict[str, str]) -> str:
    """The path of the first page with a sign-in form ``url`` leads to, without
    its query (a sign-in as a browser starts it afresh)."""
    browser = Browser(Conn(server.port))
    for _ in range(10):
        try:
            response = browser.send("GET", url)
        except BenchError as exc:
            raise SetupError(f"{server.name}: {exc}") from exc
        if response.status in (301, 302, 303):
            url = urljoin(url, response.location)
            continue
        if response.status == 200 and sign_in_form(response.text(), values):
            browser.conn.close()
            return urlsplit(url).path
        break
    raise SetupError(f"{server.name}: {url} led to no sign-in form ({response.status})")


# --- ours ------------------------------------------------------------------------


class Api:
    """The REST API with a workspace token."""

    def __init__(self, server: Server, token: str):
        self.server, self.auth = server, {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict) -> dict:
        conn = Conn(self.server.port)
        response = Browser(conn).send(
            "POST", f"/api/v1/{path}", json_body=body, headers=self.auth
        )
        conn.close()
        if response.status != 201:
            raise SetupError(
                f"POST /api/v1/{path}: HTTP {response.status} {response.body[:500]!r}"
            )
        return json.loads(response.body)


def setup_ours(
    url: str, *, root: Path, python: Path, label: str, alg: str
) -> tuple[list[SignInPath], Provider]:
    """The server of the checkout ``root`` on a new database, set up as an
    operator would: two pools (identifier first; password on the first page),
    a user in each, each pool connected, a web application for each, and an
    operator. ``label`` names it in the tables ("ours", or "ours before"…)."""
    recreate_database(url)
    env = base_env(url)
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="false")
    env.update(DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_CONN_MAX_AGE="3600")

    def manage(*args: str) -> str:
        command = [str(python), "manage.py", *args]
        return run(command, env=env, cwd=root, what=f"{label}: manage.py {args[0]}")

    manage("migrate", "--no-input")
    manage("create_workspace", "--name", "Bench peers", "--slug", SLUG)
    manage(
        "create_operator",
        "--email",
        OPERATOR,
        f"--password={PASSWORD}",
        "--workspace",
        SLUG,
    )
    scopes = ["--scopes", "read,write"]
    token = manage("create_api_token", "--workspace", SLUG, "--name", "bench", *scopes)
    token = token.strip().splitlines()[-1]
    database = urlsplit(url).path.lstrip("/")
    config = root / "config/gunicorn.conf.py"  # as in production (README)

    def start() -> Server:
        return gunicorn(label, python, "config.wsgi", env=env, cwd=root,
                        database=database, ready_path="/", config=config)  # fmt: skip

    server, apps = start(), []
    try:
        api = Api(server, token)
        for name in ("Bench identifier first", "Bench one page"):
            pool = api.post("pools", {"name": name})["id"]
            identifier = {"type": "email", "value": EMAIL, "verified": True}
            user = {"identifiers": [identifier], "status": "active"}
            api.post(
                f"pools/{pool}/users",
                {**user, "password": PASSWORD, "user_data": USER_DATA},
            )
            connection = api.post("identity-providers", {"pool_id": pool})["id"]
            app = {"name": f"{name} app", "kind": "web", "redirect_uris": [REDIRECT]}
            app.update(connection_ids=[connection], id_token_alg=alg)
            apps.append((pool, api.post("applications", app)))
        manage("shell", "-c", ONE_PAGE_SNIPPET.format(pool=apps[1][0]))
    finally:
        server.stop()
    server = start()  # anew: no process keeps a pool's settings from before
    values = {"identifier": EMAIL, "email": OPERATOR, "password": PASSWORD}
    discovery = f"/w/{SLUG}/.well-known/openid-configuration"
    providers = [
        Provider(
            label, server, discovery, app["client_id"], app["client_secret"], values
        )
        for _pool, app in apps
    ]
    hosted, starts = {"identifier": EMAIL, "password": PASSWORD}, []
    for provider in providers:  # each application's pool: where its sign-in starts
        provider.load_endpoints()
        endpoint = provider.endpoints["authorization_endpoint"]
        url, _verifier = authorization_url(endpoint, provider.client_id, REDIRECT)
        starts.append(form_page(server, url, hosted))
    console = {"email": OPERATOR, "password": PASSWORD}
    paths = [
        SignInPath(f"{label}, hosted, identifier first", server, starts[0], hosted),
        SignInPath(f"{label}, hosted, one page", server, starts[1], hosted),
        SignInPath(
            f"{label}, console", server, form_page(server, "/", console), console
        ),
    ]
    return paths, providers[0]


# --- the Django peers ----------------------------------------------------------------


def setup_django_peers(url: str, python: Path) -> tuple[list[SignInPath], Provider]:
    """LoginView, allauth and django-oauth-toolkit in one project, one worker."""
    recreate_database(url)
    env = base_env(url)
    env.update(
        DJANGO_SETTINGS_MODULE="peers.settings",
        PEERS_RSA_KEY_FILE=str(LOGS / "peers-rsa.pem"),
    )
    client_id, secret = "bench-peers", secrets.token_urlsafe(32)

    def manage(*args: str, what: str) -> str:
        return run(
            [str(python), "manage.py", *args],
            env=env,
            cwd=DJANGO_PEERS,
            what=f"django peers: manage.py {what}",
        )

    manage("migrate", "--no-input", what="migrate")
    manage(
        "peers_setup",
        f"--password={PASSWORD}",
        "--client-id",
        client_id,
        f"--client-secret={secret}",
        "--redirect-uri",
        REDIRECT,
        "--key-file",
        env["PEERS_RSA_KEY_FILE"],
        what="peers_setup",
    )
    server = gunicorn(
        "django-peers",
        python,
        "peers.wsgi",
        env=env,
        cwd=DJANGO_PEERS,
        database=urlsplit(url).path.lstrip("/"),
        ready_path="/login/",
    )
    login_view = {"username": "bench", "password": PASSWORD}
    allauth = {"login": EMAIL, "password": PASSWORD}
    paths = [
        SignInPath("Django LoginView", server, "/login/", login_view),
        SignInPath("django-allauth", server, "/accounts/login/", allauth),
    ]
    provider = Provider(
        "django-oauth-toolkit",
        server,
        "/o/.well-known/openid-configuration",
        client_id,
        secret,
        login_view,
    )
    provider.load_endpoints()
    return paths, provider


# --- the floor: ours' documents as fixed bytes ----------------------------------------


def setup_floor(ours: Provider, python: Path) -> Provider:
    """``floor_app`` under the same gunicorn as ``ours``, answering ours'
    discovery document and JWKS at the same paths with the same bytes."""
    conn, documents = Conn(ours.server.port), {}
    for path in (ours.discovery, ours.endpoints["jwks_uri"]):
        response = expect(Browser(conn).send("GET", path), 200, "discovery or JWKS")
        documents[path] = [response.headers["content-type"], response.text()]
    conn.close()
    file = LOGS / "floor-documents.json"
    file.write_text(json.dumps(documents))
    env = {**base_env(""), "FLOOR_DOCUMENTS": str(file)}
    server = gunicorn("gunicorn floor", python, "floor_app:application", env=env,
                      cwd=Path(__file__).resolve().parent, database="",
                      ready_path=ours.discovery)  # fmt: skip
    provider = Provider("gunicorn floor", server, ours.discovery, "", "", {})
    provider.endpoints["jwks_uri"] = ours.endpoints["jwks_uri"]
    return provider


# --- node-oidc-provider ---------------------------------------------------------------


def setup_node(url: str, node: str) -> Provider:
    """node-oidc-provider, one process, its grants and tokens in PostgreSQL."""
    recreate_database(url)
    port, client_id, secret = free_port(), "bench-peers", secrets.token_urlsafe(32)
    env = base_env(url)
    env.update(
        PORT=str(port), CLIENT_ID=client_id, CLIENT_SECRET=secret, REDIRECT_URI=REDIRECT
    )
    env["NODE_ENV"] = "production"
    server = Server(
        "node-oidc-provider",
        [node, "server.mjs"],
        env=env,
        cwd=NODE,
        port=port,
        database=urlsplit(url).path.lstrip("/"),
        ready_path="/.well-known/openid-configuration",
    )
    provider = Provider(
        "node-oidc-provider",
        server,
        "/.well-known/openid-configuration",
        client_id,
        secret,
        {},
    )
    provider.load_endpoints()
    return provider


def check_sign_in(path: SignInPath) -> None:
    """One sign-in, untimed, then the page it leads to, which must not ask to
    sign in again; notes the requests a sign-in takes."""
    conn = Conn(path.server.port)
    browser = Browser(conn)
    try:
        where, path.requests = sign_in(browser, path.start, path.values)
        response = browser.send("GET", where)
        for _ in range(5):
            if response.status not in (301, 302, 303):
                break
            where = urljoin(where, response.location)
            response = browser.send("GET", where)
        if response.status != 200 or sign_in_form(response.text(), path.values):
            raise BenchError(f"after signing in, {where} answered {response.status}")
    except BenchError as exc:
        raise SetupError(f"{path.label}: {exc}\n{path.server.tail()}") from exc
    finally:
        conn.close()
    print(f"  {path.label}: {path.start}, {path.requests} requests, then {where}")
