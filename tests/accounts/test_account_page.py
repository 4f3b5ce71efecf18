"""The signed-in end user's account page: their details (edited through the
pool's user schema, checked and audited like the console's edit, never their
metadata), their identifiers, and "Sign-in and security"."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from accounts.authenticators.passwords.services import password_set
from core.models import AuditEvent
from identity_pools.models import Identifier, PoolUser
from identity_pools.user_schemas.builtin import USER_DATA
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory, PoolUserFactory, UserSchemaFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"
REQUIRED = {"data_given_name": "Ann", "data_family_name": "Lee", "data_name": "A L"}


def signed_in(pool, identifier="ann@example.com") -> Client:
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": identifier})
    response = client.post(url(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == url(pool, "account")
    return client


def field_codes(response) -> dict[str, list[str]]:
    return {
        name: [e.code for e in errors]
        for name, errors in response.context["form"].errors.as_data().items()
    }


@pytest.fixture
def ann(pool):
    user = PoolUserFactory(
        pool=pool,
        email="ann@example.com",
        user_data={"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
        metadata={"tier": "gold"},
    )
    password_set(user=user, raw_password=GOOD)
    return user


def test_the_account_page_shows_details_identifiers_and_security(pool, ann):
    Identifier.objects.create(
        pool=pool, user=ann, type="phone", value="+447911123456", is_verified=True
    )
    page = signed_in(pool).get(url(pool, "account")).content.decode()
    assert "Given name" in page and "Lee" in page and "gold" not in page
    assert "ann@example.com (not verified)" in page
    assert "+447911123456 (verified)" in page
    assert "Edit your details" in page
    assert "Change your password" in page
    assert "Set up an authenticator app" in page
    assert "recovery code" not in page  # none without an app or a passkey
    assert "Sign out" in page


def test_details_are_saved_per_schema_audited_and_metadata_kept(pool, ann):
    client = signed_in(pool)
    form = client.get(url(pool, "account_profile"))
    fields = set(form.context["form"].fields)
    assert {"data_given_name", "data_birthdate"} <= fields
    assert not any("tier" in f for f in fields)
    assert form.context["form"]["data_family_name"].value() == "Lee"
    response = client.post(
        url(pool, "account_profile"),
        {
            "data_given_name": "Annie",
            "data_family_name": "Lee",
            "data_name": "Annie Lee",
            "data_birthdate": "1990-04-23",
            "data_tier": "platinum",
            "metadata": '{"tier": "platinum"}',
        },
    )
    assert response["Location"] == url(pool, "account")
    ann.refresh_from_db()
    assert ann.user_data == {
        "given_name": "Annie",
        "family_name": "Lee",
        "name": "Annie Lee",
        "birthdate": "1990-04-23",
    }
    assert ann.display_name == "Annie Lee"
    assert ann.metadata == {"tier": "gold"}
    event = AuditEvent.objects.get(action="pool_user.data_updated")
    assert (event.actor_type, event.actor_id, event.target_id) == (
        "pool_user",
        str(ann.pk),
        str(ann.pk),
    )
    assert event.details == {"fields": ["birthdate", "given_name", "name"]}
    assert "Your details are saved" in client.get(url(pool, "account")).content.decode()


def test_invalid_details_are_refused_field_by_field(pool, ann):
    client = signed_in(pool)
    response = client.post(
        url(pool, "account_profile"),
        {
            "data_given_name": "x" * 101,
            "data_birthdate": "23rd of April",
            "data_locale": "not a locale!",
        },
    )
    assert response.status_code == 200
    errors = field_codes(response)
    assert {"data_given_name", "data_birthdate", "data_locale"} <= set(errors)
    assert PoolUser.objects.get(pk=ann.pk).user_data["given_name"] == "Ann"
    assert not AuditEvent.objects.filter(action="pool_user.data_updated").exists()


def test_nul_characters_get_a_message_not_an_error(pool, ann):
    client = signed_in(pool)
    response = client.post(url(pool, "account_profile"), {"data_given_name": "A\x00n"})
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()
    assert PoolUser.objects.get(pk=ann.pk).user_data["given_name"] == "Ann"


def test_read_only_properties_and_undeclared_keys_are_kept(pool, ann):
    document = copy.deepcopy(USER_DATA)
    del document["additionalProperties"]  # keys it does not declare are kept
    document["properties"]["member_since"] = {
        "type": "string",
        "title": "Member since",
        "readOnly": True,
    }
    schema = UserSchemaFactory(workspace=pool.workspace, document=document)
    type(pool).objects.filter(pk=pool.pk).update(user_schema=schema)
    PoolUser.objects.filter(pk=ann.pk).update(
        user_data={**ann.user_data, "member_since": "2020", "legacy_id": "L-1"}
    )
    client = signed_in(pool)
    form = client.get(url(pool, "account_profile")).context["form"]
    assert "data_member_since" not in form.fields
    client.post(
        url(pool, "account_profile"),
        {**REQUIRED, "data_given_name": "Annie", "data_member_since": "1999"},
    )
    data = PoolUser.objects.get(pk=ann.pk).user_data
    assert (data["given_name"], data["member_since"], data["legacy_id"]) == (
        "Annie",
        "2020",
        "L-1",
    )
    page = client.get(url(pool, "account")).content.decode()
    assert "Member since" in page and "2020" in page


def test_only_the_signed_in_users_own_data_changes(pool, ann):
    bob = PoolUserFactory(pool=pool, email="bob@example.com")
    password_set(user=bob, raw_password=GOOD)
    before = PoolUser.objects.get(pk=bob.pk).user_data
    client = signed_in(pool, "bob@example.com")
    client.post(
        url(pool, "account_profile"),
        {**REQUIRED, "data_given_name": "Robert", "user": str(ann.pk)},
    )
    assert PoolUser.objects.get(pk=ann.pk).user_data["given_name"] == "Ann"
    assert PoolUser.objects.get(pk=bob.pk).user_data["given_name"] == "Robert"
    assert before["given_name"] != "Robert"
    anonymous = Client().post(url(pool, "account_profile"), {"data_given_name": "X"})
    assert anonymous["Location"] == url(pool, "sign_in")


def test_a_session_of_another_pool_edits_nothing(workspace, pool, ann):
    other = IdentityPoolFactory(workspace=workspace)
    client = signed_in(pool)
    response = client.post(url(other, "account_profile"), {"data_given_name": "Z"})
    assert response["Location"] == url(other, "sign_in")
    assert PoolUser.objects.get(pk=ann.pk).user_data["given_name"] == "Ann"
