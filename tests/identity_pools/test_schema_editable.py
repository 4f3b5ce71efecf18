"""Who fills in a field of a user schema: ``"x-editable-by": "user"`` (the
default) or ``"operator"``. Checked when a schema is saved; shown on the schema
screen and on Create User; a required operator-only field is required of
operators' writes only, and the user's page lists it as to be filled."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from identity_pools.models import IdentityPool
from identity_pools.services.users import pool_user_create
from identity_pools.user_schemas.builtin import METADATA, USER_DATA
from identity_pools.user_schemas.data import _fast_check
from identity_pools.user_schemas.documents import schema_document_check
from identity_pools.user_schemas.editable import (
    asked_at_sign_up,
    operator_only,
    users_document,
)
from identity_pools.user_schemas.services import user_schema_impact
from tests.factories import PoolUserFactory, UserSchemaFactory

from .conftest import ANN, USER_FORM, form_errors

pytestmark = pytest.mark.django_db


def with_customer_number(**extra) -> dict:
    """The built-in user data plus a required "Customer number" only operators
    fill in."""
    document = copy.deepcopy(USER_DATA)
    document["properties"]["customer_number"] = {
        "type": "string",
        "title": "Customer number",
        "maxLength": 20,
        "x-editable-by": "operator",
        **extra,
    }
    document["required"] = [*document["required"], "customer_number"]
    return document


@pytest.fixture
def shop(pool):
    schema = UserSchemaFactory(
        workspace=pool.workspace, document=with_customer_number()
    )
    IdentityPool.objects.filter(pk=pool.pk).update(user_schema=schema)
    pool.refresh_from_db()
    return pool


# --- the keyword in a document ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "read_only", "code"),
    [
        ("admin", None, "schema_invalid"),
        (True, None, "schema_invalid"),
        (["operator"], None, "schema_invalid"),
        ("Operator", None, "schema_invalid"),
        ("user", True, "schema_invalid"),
    ],
)
def test_a_wrong_editable_by_is_refused_where_it_is(value, read_only, code):
    extra = {"x-editable-by": value}
    if read_only is not None:
        extra["readOnly"] = read_only
    document = with_customer_number(**extra)
    with pytest.raises(ValidationError) as caught:
        schema_document_check(document)
    [problem] = caught.value.error_list
    assert problem.code == code
    assert problem.message.startswith("At /properties/customer_number/x-editable-by:")


@pytest.mark.parametrize("value", ["user", "operator"])
def test_both_values_are_accepted_and_keep_the_fast_check(value):
    document = with_customer_number(**{"x-editable-by": value})
    schema_document_check(document)
    assert _fast_check(document) is not None


def test_read_only_counts_as_operator_only():
    document = with_customer_number()
    del document["properties"]["customer_number"]["x-editable-by"]
    document["properties"]["customer_number"]["readOnly"] = True
    assert operator_only(document) == ["customer_number"]
    assert "customer_number" not in asked_at_sign_up(document)


def test_the_builtin_schemas_say_who_fills_in_each_field():
    for name, prop in USER_DATA["properties"].items():
        assert prop["x-editable-by"] == "user", name
    for name, prop in METADATA["properties"].items():
        assert prop["x-editable-by"] == "operator", name
    assert asked_at_sign_up(USER_DATA) == ["given_name", "family_name", "name"]


# --- operators' writes ------------------------------------------------------------


def test_operators_must_fill_in_a_required_operator_only_field(shop, owner):
    with pytest.raises(ValidationError) as caught:
        pool_user_create(
            pool=shop,
            actor=owner,
            identifier="ann@example.com",
            user_data=ANN,
            mode="invite",
        )
    assert "user_data" in caught.value.error_dict
    user = pool_user_create(
        pool=shop,
        actor=owner,
        identifier="ann@example.com",
        user_data={**ANN, "customer_number": "C-1"},
        mode="invite",
    )
    assert user.user_data["customer_number"] == "C-1"


def test_a_user_without_it_is_to_be_filled_not_broken(shop, owner_client, url):
    user = PoolUserFactory(pool=shop, email="ann@example.com", user_data=ANN)
    page = owner_client.get(url("pool_user_detail", user.pk))
    assert page.context["user_data_to_fill"]
    assert "Customer number" in page.context["user_data_to_fill"]
    assert page.context["user_data_problems"] == ""
    assert 'id="user-data-to-fill"' in page.content.decode()
    impact = user_schema_impact(
        document=shop.user_schema.document, kind="user_data", pools=[shop]
    )
    assert (impact.checked, impact.failing) == (1, 0)
    # Filled in by an operator, the notice goes.
    owner_client.post(
        url("pool_user_data", user.pk),
        {**{f"data_{k}": v for k, v in ANN.items()}, "data_customer_number": "C-9"},
    )
    user.refresh_from_db()
    assert user.user_data["customer_number"] == "C-9"
    page = owner_client.get(url("pool_user_detail", user.pk))
    assert page.context["user_data_to_fill"] == ""


def test_users_document_drops_only_the_operators_required_fields():
    document = with_customer_number()
    relaxed = users_document(document)
    assert relaxed["required"] == ["given_name", "family_name", "name"]
    assert relaxed["properties"] == document["properties"]
    assert document["required"][-1] == "customer_number"  # untouched


# --- the console shows it -----------------------------------------------------------


def test_create_user_shows_every_field_and_marks_the_operators_ones(
    shop, owner_client, url
):
    page = owner_client.get(url("pool_user_create"))
    form = page.context["form"]
    assert form.fields["data_customer_number"].operator_only
    assert not form.fields["data_given_name"].operator_only
    html = page.content.decode()
    label = html[html.index('for="id_data_customer_number"') :]
    assert label[: label.index("</label>")].count("Operators only") == 1
    refused = owner_client.post(url("pool_user_create"), USER_FORM)
    assert "data_customer_number" in form_errors(refused)
    done = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "data_customer_number": "C-2"}
    )
    assert done.status_code == 302


def test_the_schema_screen_lists_who_fills_in_each_field(shop, owner_client):
    schema = shop.user_schema
    page = owner_client.get(
        reverse("identity_pools:schema_detail", args=[shop.workspace.slug, schema.pk])
    )
    rows = {row["name"]: row for row in page.context["fields"]}
    assert rows["customer_number"]["operator_only"]
    assert rows["customer_number"]["required"]
    assert not rows["given_name"]["operator_only"]
    html = page.content.decode()
    assert 'id="schema-fields"' in html
    assert "Operators only (users who sign up have it to be filled)" in html
    assert "The user, asked at sign-up" in html
    assert "The user, on their account page" in html  # e.g. the middle name
    preview = page.context["preview"]
    assert preview.fields["customer_number"].operator_only
    assert "x-editable-by" in str(page.context["form"].fields["document"].help_text)
