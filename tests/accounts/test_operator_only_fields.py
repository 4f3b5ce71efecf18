"""Fields only operators fill in (``"x-editable-by": "operator"``) on the public
pages: sign-up never asks for one, a crafted post cannot set one, a required one
does not block the sign-up; the invitation's registration and the account page
follow the same rule, and keep what operators stored."""

from __future__ import annotations

import copy
import re

import pytest
from django.test import Client

from accounts.authenticators.passwords.services import password_set
from identity_pools.models import IdentityPool, PoolUser
from identity_pools.services import users
from identity_pools.user_schemas.builtin import USER_DATA
from tests.conftest import GOOD
from tests.conftest import hosted_url as url
from tests.factories import IdentityPoolFactory, PoolUserFactory, UserSchemaFactory

pytestmark = pytest.mark.django_db

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}
SIGN_UP = {
    "identifier": "new@example.com",
    "data_given_name": "Nia",
    "data_family_name": "Okafor",
    "data_name": "Nia Okafor",
    "password1": GOOD,
    "password2": GOOD,
}


def shop_schema(workspace, *, read_only: bool = False):
    """The built-in user data, plus a required customer number only operators
    fill in (by the keyword, or by JSON Schema's readOnly) and an optional
    "tier" likewise."""
    document = copy.deepcopy(USER_DATA)
    who = {"readOnly": True} if read_only else {"x-editable-by": "operator"}
    document["properties"]["customer_number"] = {
        "type": "string",
        "title": "Customer number",
        "maxLength": 20,
        **who,
    }
    document["properties"]["tier"] = {
        "type": "string",
        "title": "Tier",
        "enum": ["silver", "gold"],
        **who,
    }
    document["required"] = [*document["required"], "customer_number"]
    return UserSchemaFactory(workspace=workspace, document=document)


@pytest.fixture(params=[False, True], ids=["x-editable-by", "readOnly"])
def pool(workspace, request):
    pool = IdentityPoolFactory(workspace=workspace, self_registration_enabled=True)
    schema = shop_schema(workspace, read_only=request.param)
    IdentityPool.objects.filter(pk=pool.pk).update(user_schema=schema)
    pool.refresh_from_db()
    return pool


# --- sign-up -----------------------------------------------------------------------


def test_sign_up_does_not_ask_for_an_operator_only_field(client, pool):
    page = client.get(url(pool, "signup"))
    fields = page.context["form"].fields
    assert "data_given_name" in fields
    assert "data_customer_number" not in fields and "data_tier" not in fields
    assert "Customer number" not in page.content.decode()


def test_a_required_operator_only_field_does_not_block_sign_up(
    client, pool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url(pool, "signup"), SIGN_UP)
    assert done["Location"] == url(pool, "signup_verify")
    user = PoolUser.objects.get()
    assert user.user_data == {
        "given_name": "Nia",
        "family_name": "Okafor",
        "name": "Nia Okafor",
    }


def test_a_crafted_post_cannot_set_an_operator_only_field(
    client, pool, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url(pool, "signup"),
            {**SIGN_UP, "data_customer_number": "VIP-1", "data_tier": "gold"},
        )
    data = PoolUser.objects.get().user_data
    assert "customer_number" not in data and "tier" not in data


def test_the_sign_up_service_drops_an_operator_only_field_too(pool):
    from identity_pools.identifiers import identifier_parse

    user, _ident = users.pool_user_sign_up(
        pool=pool,
        identifier=identifier_parse("new@example.com"),
        user_data={**ANN, "customer_number": "VIP-1", "tier": "gold"},
        password=GOOD,
    )
    assert user.user_data == ANN


# --- the invitation's registration ---------------------------------------------------


def test_the_invitation_asks_only_what_users_fill_in(
    client, pool, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="ann@example.com",
            user_data={**ANN, "customer_number": "C-7"},
            mode="invite",
        )
    path = re.search(r"http://\S+(/w/\S+/invitation/\S+/)", mailoutbox[-1].body)[1]
    # The schema changed since: a new required field for users, and the
    # customer number gone from this user (say, a bad import was cleaned).
    document = copy.deepcopy(pool.user_schema.document)
    document["properties"]["pronouns"] = {"type": "string", "title": "Pronouns"}
    document["required"].append("pronouns")
    type(pool.user_schema).objects.filter(pk=pool.user_schema.pk).update(
        document=document
    )
    PoolUser.objects.filter(pk=user.pk).update(user_data=ANN)
    page = client.get(path)
    assert list(page.context["form"].schema_fields) == ["data_pronouns"]
    done = client.post(
        path,
        {
            "password1": GOOD,
            "password2": GOOD,
            "data_pronouns": "she",
            "data_customer_number": "VIP-1",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.status == "active"
    assert user.user_data == {**ANN, "pronouns": "she"}


# --- the account page ----------------------------------------------------------------


def test_the_account_page_keeps_operator_only_fields(pool):
    ann = PoolUserFactory(
        pool=pool, email="ann@example.com", user_data={**ANN, "tier": "gold"}
    )
    password_set(user=ann, raw_password=GOOD)
    client = Client()
    client.post(url(pool, "sign_in"), {"identifier": "ann@example.com"})
    client.post(url(pool, "sign_in_password"), {"password": GOOD})
    form = client.get(url(pool, "account_profile")).context["form"]
    assert "data_tier" not in form.fields
    assert "data_customer_number" not in form.fields
    # Saved without the (required) customer number, and a crafted tier ignored.
    done = client.post(
        url(pool, "account_profile"),
        {
            "data_given_name": "Annie",
            "data_family_name": "Lee",
            "data_name": "Annie Lee",
            "data_tier": "silver",
            "data_customer_number": "VIP-1",
        },
    )
    assert done["Location"] == url(pool, "account")
    ann.refresh_from_db()
    assert ann.user_data == {
        "given_name": "Annie",
        "family_name": "Lee",
        "name": "Annie Lee",
        "tier": "gold",
    }
