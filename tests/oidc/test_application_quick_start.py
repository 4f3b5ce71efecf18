"""An application's page shows what its developer needs: the workspace's issuer,
discovery URL and endpoints (as the discovery document says them), the client id,
and a quick start for its type that works as printed."""

from __future__ import annotations

import base64
import html
import re
import shlex
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from tests.oidc.oidc_helpers import (
    REDIRECT,
    callback_params,
    follow_to_application,
    hosted,
    make_user,
    pkce,
    setup_provider,
    sign_in,
)
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def page_of(client, workspace, application) -> str:
    response = client.get(
        reverse(
            "oidc_console:application_detail", args=[workspace.slug, application.pk]
        )
    )
    assert response.status_code == 200
    return response.content.decode()


def copyable(body: str) -> dict[str, str]:
    """Each copyable value of the page, by its label, as a user copies it."""
    found = re.findall(
        r'<(?:code|pre)[^>]*data-copy="([^"]+)"[^>]*>(.*?)</(?:code|pre)>', body, re.S
    )
    return {label: html.unescape(re.sub(r"<[^>]+>", "", text)) for label, text in found}


def local(url: str) -> str:
    """A PUBLIC_URL address as the test client asks for it."""
    assert url.startswith(settings.PUBLIC_URL + "/")
    return url[len(settings.PUBLIC_URL) :]


def test_the_page_shows_the_discovery_documents_addresses(owner_client, workspace):
    _, application, _ = setup_provider(workspace)
    shown = copyable(page_of(owner_client, workspace, application))
    assert shown["Issuer"] == f"{settings.PUBLIC_URL}/w/{workspace.slug}"
    assert shown["Client id"] == application.client_id
    # The discovery URL shown answers, and says the addresses shown.
    document = owner_client.get(local(shown["Discovery URL"])).json()
    assert document["issuer"] == shown["Issuer"]
    for label, key in [
        ("Authorization endpoint", "authorization_endpoint"),
        ("Token endpoint", "token_endpoint"),
        ("Userinfo endpoint", "userinfo_endpoint"),
        ("JWKS (public signing keys)", "jwks_uri"),
        ("End-session (logout) endpoint", "end_session_endpoint"),
    ]:
        assert shown[label] == document[key]
    quick_start = shown["quick start"]
    assert f'"server_metadata_url": "{shown["Discovery URL"]}"' in quick_start
    assert f'"client_id": "{application.client_id}"' in quick_start
    assert REDIRECT in quick_start


def test_viewers_see_the_addresses_too(client, workspace, member_of):
    _, application, _ = setup_provider(workspace)
    client.force_login(member_of(workspace, Role.VIEWER))
    shown = copyable(page_of(client, workspace, application))
    assert shown["Issuer"].endswith(f"/w/{workspace.slug}")


def test_single_page_quick_start_names_the_issuer(owner_client, workspace):
    _, application, _ = setup_provider(workspace, kind="spa")
    shown = copyable(page_of(owner_client, workspace, application))
    assert f'authority: "{shown["Issuer"]}"' in shown["quick start"]
    assert f'client_id: "{application.client_id}"' in shown["quick start"]
    assert "secret" not in shown["quick start"]


def curl_calls(snippet: str) -> list[dict]:
    """The curl commands of a snippet, as a shell would pass their arguments
    (user, form fields, URL); variables are left for the test to fill in."""
    calls = []
    for line in snippet.replace("\\\n", " ").splitlines():
        if not line.startswith("curl "):
            continue
        call = {"user": None, "data": {}, "url": None}
        args = iter(shlex.split(line)[1:])
        for arg in args:
            if arg == "-u":
                call["user"] = next(args)
            elif arg in ("-d", "--data-urlencode"):
                key, value = next(args).split("=", 1)
                call["data"][key] = value
            elif not arg.startswith("-"):
                call["url"] = arg
        calls.append(call)
    return calls


def basic(user: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(user.encode()).decode()}


def test_native_quick_start_works_as_printed(owner_client, client, workspace):
    """The authorization request printed for a native app, opened as printed,
    signs the user in; the printed code exchange then gets the tokens."""
    pool, application, _ = setup_provider(workspace, kind="native")
    make_user(pool)
    snippet = copyable(page_of(owner_client, workspace, application))["quick start"]
    verifier, challenge = pkce()
    printed = re.search(r'echo "([^"]+)"', snippet).group(1)
    request = printed.replace("$CHALLENGE", challenge).replace(
        "$(openssl rand -hex 16)", "st-1"
    )
    assert parse_qs(urlsplit(request).query)["redirect_uri"] == [REDIRECT]
    response = client.get(local(request))
    assert response["Location"].startswith(hosted(pool, "sign_in"))
    code = callback_params(follow_to_application(client, sign_in(client, pool)))["code"]
    [exchange] = curl_calls(snippet)
    fields = dict(exchange["data"], code=code, code_verifier=verifier)
    tokens = client.post(local(exchange["url"]), fields)
    assert tokens.status_code == 200, tokens.content
    assert "id_token" in tokens.json()


def test_machine_to_machine_calls_work_as_printed(owner_client, client, workspace):
    """The curl calls shown for a machine-to-machine application get a token
    and check it."""
    _, application, secret = setup_provider(workspace, kind="m2m", redirect_uris=[])
    shown = copyable(page_of(owner_client, workspace, application))
    assert "Authorization endpoint" not in shown and "Userinfo endpoint" not in shown
    token_call, check_call = curl_calls(shown["quick start"])
    assert token_call["url"] == shown["Token endpoint"]
    user = token_call["user"].replace("$CLIENT_SECRET", secret)
    response = client.post(
        local(token_call["url"]), token_call["data"], headers=basic(user)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["expires_in"] == application.access_token_seconds
    data = {"token": body["access_token"]}
    check = client.post(local(check_call["url"]), data, headers=basic(user))
    assert check.json()["active"] is True
