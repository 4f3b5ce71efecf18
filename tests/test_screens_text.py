"""What the screens and the README say stays true: nothing promises for a
later release what the product already does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from oidc.connections import idp_connect
from tests.factories import IdentityPoolFactory

ROOT = Path(__file__).resolve().parent.parent
STALE = re.compile(
    r"later release|next release|coming soon|arrives? in a"
    r"|not yet (available|supported|implemented)",
    re.IGNORECASE,
)


def test_no_screen_or_readme_promises_a_later_release():
    texts = [ROOT / "README.md", *sorted((ROOT / "templates").rglob("*.*"))]
    stale = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in texts
        for match in STALE.finditer(path.read_text())
    ]
    assert stale == []


@pytest.mark.django_db
def test_identity_providers_page_leads_to_applications(owner_client, workspace, owner):
    idp_connect(
        workspace=workspace, actor=owner, pool=IdentityPoolFactory(workspace=workspace)
    )
    page = owner_client.get(
        reverse("oidc_console:idp_connection_list", args=[workspace.slug])
    ).content.decode()
    applications = reverse("oidc_console:application_list", args=[workspace.slug])
    assert f'href="{applications}"' in page.split('<main id="main"')[1]
