"""The guide's words are the words of our screens: "In your workspace, go to
Users and click Create Pool"; "go to Users and select the Users tab". The menu
entry, the page it opens and the way back from a pool all say "Users"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def current_menu_entry(html: str) -> str:
    nav = re.search(r'<nav class="sidenav".*?</nav>', html, re.S).group(0)
    return re.search(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', nav).group(1)


def heading(html: str) -> str:
    return re.search(r"<h1>([^<]+)</h1>", html).group(1)


def breadcrumb(html: str) -> tuple[str, str]:
    return re.search(
        r'<p class="breadcrumb"><a href="([^"]+)">([^<]+)</a>', html
    ).groups()


def test_the_users_menu_opens_a_page_called_users(owner_client, workspace, pool):
    pools = reverse("identity_pools:pool_list", args=[workspace.slug])
    html = owner_client.get(pools).content.decode()
    assert current_menu_entry(html) == heading(html) == "Users"
    assert "Create Pool" in html
    # Inside a pool (its Users tab) and on Create Pool, "Users" leads back.
    for page in (
        reverse("identity_pools:pool_user_list", args=[workspace.slug, pool.pk]),
        reverse("identity_pools:pool_create", args=[workspace.slug]),
    ):
        html = owner_client.get(page).content.decode()
        assert current_menu_entry(html) == "Users"
        assert breadcrumb(html) == (pools, "Users")
