"""One mailbox, one identifier: email addresses are normalised (core.addresses),
and look-alike domains are flagged to the operator."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.addresses import email_lookalike_warning, email_normalise
from identity_pools.identifiers import identifier_parse
from identity_pools.models import Identifier, PoolUser
from tests.factories import PoolUserFactory
from tests.identity_pools.conftest import form_errors
from workspaces.models import WorkspaceInvitation

USER_FORM = {
    "data_given_name": "Ann",
    "data_family_name": "Lee",
    "data_name": "Ann Lee",
    "mode": "invite",
}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("info@exämple.com", "info@exämple.com"),
        ("info@xn--exmple-cua.com", "info@exämple.com"),
        ("INFO@EXÄMPLE.COM", "info@exämple.com"),
        ("info@exa\u0308mple.com", "info@exämple.com"),  # ä as a + combining mark
        ("ann@ｅxample.com", "ann@example.com"),  # fullwidth e
        ("  Ann@Example.com ", "ann@example.com"),
    ],
)
def test_spellings_of_one_mailbox_are_one_identifier(typed, stored):
    assert identifier_parse(typed).value == stored


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("alice@exam\u200bple.com", "U+200B ZERO WIDTH SPACE"),
        ("alice\u2060@example.com", "U+2060 WORD JOINER"),
        ("ali\u00adce@example.com", "U+00AD SOFT HYPHEN"),
        ("alice@exam\u202eple.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("user@[127.0.0.1]", "IP address instead of a domain name"),
        ("user@[IPv6:::1]", "IP address instead of a domain name"),
        ("user@localhost", "no top-level domain"),
        ("user@intranet", "no top-level domain"),
        ("user@exa--mple..com", "valid domain name"),
    ],
)
def test_invisible_characters_literals_and_dotless_domains_are_refused(typed, words):
    with pytest.raises(ValidationError) as info:
        identifier_parse(typed)
    assert info.value.code == "identifier_invalid"
    assert words in info.value.messages[0]


def test_mixed_script_lookalikes_are_flagged_not_refused():
    assert "mixes Latin letters with look-alike Cyrillic" in email_lookalike_warning(
        email_normalise("ceo@\u0430pple.com")  # Cyrillic а
    )
    assert "Cyrillic letters that look like Latin" in email_lookalike_warning(
        email_normalise("ceo@\u0430\u0440\u0440\u04cf\u0435.com")  # аррӏе
    )
    for fine in ("a@example.com", "a@exämple.com", "a@пример.рф", "a@例え.jp"):
        assert email_lookalike_warning(email_normalise(fine)) == ""


@pytest.mark.django_db
def test_create_user_treats_punycode_and_unicode_as_one_address(
    owner_client, pool, url
):
    owner_client.post(
        url("pool_user_create"), {**USER_FORM, "identifier": "info@exämple.com"}
    )
    response = owner_client.post(
        url("pool_user_create"),
        {**USER_FORM, "identifier": "info@xn--exmple-cua.com"},
    )
    assert form_errors(response, "identifier") == ["identifier_taken"]
    assert PoolUser.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["user@[127.0.0.1]", "user@localhost"])
def test_address_literals_and_dotless_domains_get_no_invitation(
    owner_client, owner, workspace, pool, url, typed, mailoutbox
):
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "identifier": typed}
    )
    assert form_errors(response, "identifier") == ["identifier_invalid"]
    members = owner_client.post(
        reverse("workspaces:member_list", args=[workspace.slug]),
        {"email": typed, "role": "viewer"},
    )
    assert members.context["form"].errors["email"]
    assert not WorkspaceInvitation.objects.exists()
    assert not PoolUser.objects.exists() and mailoutbox == []


@pytest.mark.django_db
def test_lookalike_is_shown_to_the_operator(owner_client, pool, url):
    response = owner_client.post(
        url("pool_user_create"),
        {**USER_FORM, "identifier": "ceo@\u0430pple.com"},
        follow=True,
    )
    html = response.content.decode()
    assert "mixes Latin letters with look-alike Cyrillic" in html
    assert "xn--pple-43d.com" in html
    user = PoolUser.objects.get()
    page = owner_client.get(url("pool_user_detail", user.pk)).content.decode()
    assert "Look-alike:" in page


@pytest.mark.django_db
def test_migration_normalises_stored_email_identifiers(pool):
    migration = importlib.import_module(
        "identity_pools.migrations.0005_normalise_email_identifiers"
    )
    a = PoolUserFactory(pool=pool, email="info@xn--exmple-cua.com")
    b = PoolUserFactory(pool=pool, email="shop@exa\u0308mple.com")
    # Two spellings of one address in one pool: the second is left for a person.
    c = PoolUserFactory(pool=pool, email="info@exämple.com".replace("info", "x"))
    d = PoolUserFactory(pool=pool, email="x@xn--exmple-cua.com")
    plain = PoolUserFactory(pool=pool, email="ann@example.com")
    migration.normalise(apps, None)
    values = dict(Identifier.objects.values_list("user_id", "value"))
    assert values[a.pk] == "info@exämple.com"
    assert values[b.pk] == "shop@exämple.com"
    assert values[c.pk] == "x@exämple.com"
    assert values[d.pk] == "x@xn--exmple-cua.com"
    assert values[plain.pk] == "ann@example.com"
