"""One input-hygiene rule (core.text): NUL characters and lone surrogates get a
message wherever they enter, never a server error."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from core.text import json_text_problems, text_problem
from identity_pools.models import IdentityPool, PoolUser, UserSchema
from identity_pools.user_schemas.builtin import USER_DATA
from tests.factories import GroupFactory, IdentityPoolFactory
from tests.identity_pools.conftest import USER_FORM

pytestmark = pytest.mark.django_db


def test_text_problem():
    assert text_problem("fine") is None
    assert text_problem("a\x00b") == "nul"
    assert text_problem("a\ud800") == "surrogate"
    assert text_problem("\udfff") == "surrogate"
    assert text_problem("😀 é") is None
    assert list(json_text_problems({"a": ["x", {"b\x00": 1}], "c": "\ud800"})) == [
        (("a", 1, "b\\u0000"), "nul"),
        (("c",), "surrogate"),
    ]


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("pool_user_list", "?q=%00"),
        ("pool_user_list", "?status=active&q=ann%00"),
        ("group_list", "?after=%00"),
        ("group_assign_users", "?q=%00"),
        ("pool_user_list", "?%00=1"),
    ],
)
def test_nul_in_a_query_parameter_is_a_clear_400(
    owner_client, workspace, pool, name, query
):
    args = [workspace.slug, pool.pk]
    if name == "group_assign_users":
        args.append(GroupFactory(pool=pool).pk)
    response = owner_client.get(reverse(f"identity_pools:{name}", args=args) + query)
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()


def test_nul_in_activity_cursor_and_path(owner_client, workspace):
    activity = reverse("workspaces:activity", args=[workspace.slug])
    assert owner_client.get(activity + "?before=%00").status_code == 400
    response = owner_client.get("/console/invitations/abc%00def/")
    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()


def test_nul_in_a_form_field_is_refused_before_anything_is_written(
    owner_client, workspace
):
    response = owner_client.post(
        reverse("identity_pools:pool_create", args=[workspace.slug]),
        {"name": "Cust\x00omers", "description": ""},
    )
    assert response.status_code == 400
    assert "The field “name” contains a NUL character" in response.content.decode()
    assert not IdentityPool.objects.exists()


def test_lone_surrogate_in_a_schema_is_a_form_error(owner_client, workspace):
    document = json.dumps({**USER_DATA, "title": "Bad \ud800 title"})
    assert "\\ud800" in document
    response = owner_client.post(
        reverse("identity_pools:schema_create", args=[workspace.slug]),
        {"name": "Odd", "kind": "user_data", "description": "", "document": document},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["document"]
    assert errors[0].code == "schema_invalid"
    assert errors[0].message.startswith("At /title:")
    assert not UserSchema.objects.filter(name="Odd").exists()


def test_stored_enum_with_nul_cannot_reach_the_database(owner_client, workspace):
    """A document stored before the rule offers a choice with a NUL: choosing it
    is refused with a message (PostgreSQL would refuse the row with a 500)."""
    document = json.loads(json.dumps(USER_DATA))
    document["properties"]["plan"] = {"type": "string", "enum": ["basic", "x\x00"]}
    schema = UserSchema.objects.create(
        workspace=workspace, kind="user_data", name="Old", document=document
    )
    pool = IdentityPoolFactory(workspace=workspace, user_schema=schema)
    response = owner_client.post(
        reverse("identity_pools:pool_user_create", args=[workspace.slug, pool.pk]),
        {**USER_FORM, "data_plan": "x\x00"},
    )
    assert response.status_code == 400
    assert "data_plan" in response.content.decode()
    assert not PoolUser.objects.exists()
