"""A real relying party for the browser tests of the OpenID provider: Authlib's
OAuth 2.0 client configured from the workspace's discovery document, ID tokens
checked with joserfc against the JWKS the document names, the application's
own pages on a loopback port (its redirect URIs), and a watch on script errors
and CSP violations.

Assumes ``settings.PUBLIC_URL`` is the live server's URL, so the issuer and
every endpoint of the document are reachable from the test process."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet

SCOPE = "openid profile email"
TIMEOUT = 10


@dataclass
class RelyingParty:
    """One application's view of the provider: its client, the provider's
    metadata and keys, and the state and nonce of its last request."""

    metadata: dict
    client: OAuth2Session
    keys: KeySet
    pending: dict = field(default_factory=dict)

    def authorization_url(self, **params) -> str:
        """A new authorization request (PKCE S256, state, nonce); remembers
        what the callback must match."""
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = self.client.create_authorization_url(
            self.metadata["authorization_endpoint"],
            code_verifier=verifier,
            nonce=nonce,
            **params,
        )
        self.pending = {"state": state, "nonce": nonce, "verifier": verifier}
        return url

    def exchange(self, callback_url: str) -> dict:
        """The token response for the code of ``callback_url`` (Authlib checks
        its state against the pending request's)."""
        return self.client.fetch_token(
            self.metadata["token_endpoint"],
            authorization_response=callback_url,
            state=self.pending["state"],
            code_verifier=self.pending["verifier"],
        )

    def id_token_claims(self, id_token: str, *, nonce: str | None = None) -> dict:
        """The claims of ``id_token`` once its signature (JWKS of the discovery
        document), issuer, audience, expiry and, if given, nonce are right."""
        token = jwt.decode(id_token, self.keys, algorithms=["ES256", "RS256"])
        expected = {
            "iss": {"essential": True, "value": self.metadata["issuer"]},
            "aud": {"essential": True, "value": self.client.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
        }
        if nonce is not None:
            expected["nonce"] = {"essential": True, "value": nonce}
        jwt.JWTClaimsRegistry(**expected).validate(token.claims)
        return {**token.claims, "_header": token.header}

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(
            self.metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )

    def introspect(self, token: str) -> dict:
        """RFC 7662 introspection of ``token`` (confidential clients only)."""
        response = self.client.introspect_token(
            self.metadata["introspection_endpoint"], token=token
        )
        assert response.status_code == 200, response.text
        return response.json()

    def token_request(self, data: dict) -> requests.Response:
        """A raw token-endpoint request authenticated as this client (to see
        refusals, which Authlib's client turns into exceptions)."""
        auth = None
        if self.client.client_secret:
            auth = (self.client.client_id, self.client.client_secret)
        else:
            data = {**data, "client_id": self.client.client_id}
        return requests.post(
            self.metadata["token_endpoint"], data=data, auth=auth, timeout=TIMEOUT
        )

    def end_session_url(self, id_token: str, *, state: str, then: str) -> str:
        query = {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": then,
            "state": state,
        }
        return self.metadata["end_session_endpoint"] + "?" + urlencode(query)


def discover(
    issuer: str, *, client_id: str, secret: str | None, redirect_uri: str
) -> RelyingParty:
    """A relying party for ``client_id`` configured only from the discovery
    document of ``issuer`` (validated by Authlib's metadata model)."""
    response = requests.get(
        issuer + "/.well-known/openid-configuration", timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    metadata = response.json()
    OpenIDProviderMetadata(metadata).validate()
    assert metadata["issuer"] == issuer
    jwks = requests.get(metadata["jwks_uri"], timeout=TIMEOUT)
    assert jwks.status_code == 200, jwks.text
    client = OAuth2Session(
        client_id=client_id,
        client_secret=secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        default_timeout=TIMEOUT,
    )
    return RelyingParty(metadata, client, KeySet.import_key_set(jwks.json()))


def half_hash(value: str) -> str:
    """``at_hash`` of ``value`` for ES256 and RS256 (both SHA-256)."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class _Application(BaseHTTPRequestHandler):
    """Any GET: a small page; the URL is kept for the test. A POST (a
    form_post response) is kept as ``URL?<its form, URL-encoded>``."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length).decode()
        self.server.arrived.append(f"{self.server.url}{self.path}?{form}")
        self._page()

    def do_GET(self) -> None:
        if self.path != "/favicon.ico":
            self.server.arrived.append(f"{self.server.url}{self.path}")
        self._page()

    def _page(self) -> None:
        body = (
            b'<!doctype html><title>App</title><link rel="icon" href="data:,">'
            b"<p>The application.</p>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass


@contextmanager
def application_server() -> Iterator[ThreadingHTTPServer]:
    """The application's pages on a free loopback port (its redirect URIs):
    ``.url``, and ``.arrived``, the URLs browsers were sent to. (Playwright's
    ``route`` does not see a redirect's next request with Debian's Chromium:
    the application is served for real.)"""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Application)
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.arrived = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def watch_problems(page) -> list[str]:
    """Script errors, console errors and CSP violations of every page."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text} @ {page.url}")
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    return problems
