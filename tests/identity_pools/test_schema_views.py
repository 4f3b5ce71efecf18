"""The user-schema screens: list, create, detail (edit, preview), delete."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse

from core.models import AuditEvent
from identity_pools.models import (
    BUILTIN_USER_DATA_SCHEMA_ID,
    IdentityPool,
    PoolUser,
    UserSchema,
)
from identity_pools.user_schemas.builtin import USER_DATA
from identity_pools.user_schemas.forms import document_digest
from tests.factories import UserSchemaFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


def url(name: str, workspace, *args) -> str:
    return reverse(f"identity_pools:{name}", args=[workspace.slug, *args])


def form_codes(response, field=None):
    errors = response.context["form"].errors.as_data()
    if field is not None:
        return [e.code for e in errors.get(field, [])]
    return {name: [e.code for e in errs] for name, errs in errors.items()}


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def schema(workspace):
    return UserSchemaFactory(workspace=workspace, name="Customers")


@pytest.fixture
def viewer_client(client, workspace, member_of):
    client.force_login(member_of(workspace, Role.VIEWER))
    return client


def create_data(**overrides) -> dict:
    return {
        "name": "Partners",
        "description": "B2B customers",
        "kind": "user_data",
        "document": json.dumps(USER_DATA, indent=2),
        **overrides,
    }


def edit_data(schema, **overrides) -> dict:
    return {
        "name": schema.name,
        "description": schema.description,
        "document": json.dumps(schema.document),
        **overrides,
    }


# --- list -------------------------------------------------------------------------


def test_schema_list_shows_builtin_and_own_schemas(
    owner_client, workspace, schema, django_assert_max_num_queries
):
    foreign = UserSchemaFactory(workspace=WorkspaceFactory(), name="Not yours")
    with django_assert_max_num_queries(8):
        response = owner_client.get(url("schema_list", workspace))
    assert response.status_code == 200
    names = [s.name for s in response.context["schemas"]]
    assert names == ["Default metadata", "Default user data", "Customers"]
    html = response.content.decode()
    assert foreign.name not in html
    assert "Built-in" in html
    assert url("schema_create", workspace) in html
    assert 'aria-current="page">Schemas</a>' in html


def test_schema_list_viewer_has_no_create_button(viewer_client, workspace):
    response = viewer_client.get(url("schema_list", workspace))
    assert response.status_code == 200
    assert url("schema_create", workspace) not in response.content.decode()


# --- create -----------------------------------------------------------------------


def test_schema_create_get_starts_from_an_example(owner_client, workspace):
    response = owner_client.get(url("schema_create", workspace))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="code"' in html and "given_name" in html
    shown = response.context["form"]["document"].value()
    assert shown == json.dumps(USER_DATA, indent=2, ensure_ascii=False)


def test_schema_create_saves_and_redirects(owner_client, workspace, owner):
    response = owner_client.post(url("schema_create", workspace), create_data())
    schema = UserSchema.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == url("schema_detail", workspace, schema.pk)
    assert (schema.name, schema.kind, schema.document) == (
        "Partners",
        "user_data",
        USER_DATA,
    )
    assert json.dumps(schema.document) == json.dumps(USER_DATA)
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.actor_id) == ("user_schema.created", str(owner.pk))
    follow = owner_client.get(response["Location"])
    assert any("Partners" in m for m in flashes(follow))


def test_schema_create_invalid_json_shows_line_and_column(owner_client, workspace):
    response = owner_client.post(
        url("schema_create", workspace),
        create_data(document='{\n  "type": "object",\n  "properties": {,}\n}'),
    )
    assert response.status_code == 200
    assert form_codes(response, "document") == ["json_invalid"]
    assert "line 3, column 18" in response.content.decode()
    assert not UserSchema.objects.filter(workspace=workspace).exists()


def test_schema_create_unrenderable_shows_pointer_next_to_field(
    owner_client, workspace
):
    document = copy.deepcopy(USER_DATA)
    document["properties"]["address"] = {"type": "object"}
    response = owner_client.post(
        url("schema_create", workspace), create_data(document=json.dumps(document))
    )
    assert response.status_code == 200
    assert form_codes(response, "document") == ["schema_unrenderable"]
    assert "At /properties/address:" in response.content.decode()


def test_schema_create_duplicate_name_is_a_field_error(owner_client, workspace, schema):
    response = owner_client.post(
        url("schema_create", workspace), create_data(name="CUSTOMERS")
    )
    assert response.status_code == 200
    assert form_codes(response, "name") == ["schema_name_taken"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"document": ""},
        {"document": "["},
        {"document": "null"},
        {"document": "[]"},
        {"document": "{}"},
        {"document": '{"type": "object", "properties": {"a": NaN}}'},
        {"document": '{"a": 1, "a": 2}'},
        {"document": "[" * 100_000},
        {"document": "1" * 5000},
        {"document": " " * 300_000},
        {"document": '{"type": "object", "properties": {"a": {"type": "strin"}}}'},
        {"kind": "everything"},
        {"name": "x" * 101},
        {"name": ""},
    ],
    ids=[
        "empty",
        "truncated",
        "null",
        "array",
        "empty-object",
        "nan",
        "duplicate-key",
        "deep",
        "huge-number",
        "too-long",
        "bad-type",
        "bad-kind",
        "long-name",
        "no-name",
    ],
)
def test_schema_create_bad_input_never_500s(owner_client, workspace, overrides):
    response = owner_client.post(
        url("schema_create", workspace), create_data(**overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not UserSchema.objects.filter(workspace=workspace).exists()


# --- detail, edit, preview ----------------------------------------------------------


def test_schema_detail_shows_document_and_preview(owner_client, workspace, schema):
    response = owner_client.get(url("schema_detail", workspace, schema.pk))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert list(preview.fields) == list(USER_DATA["properties"])
    html = response.content.decode()
    assert 'type="date"' in html
    assert 'name="preview-given_name"' in html
    assert "&quot;given_name&quot;: {" in html  # the pretty-printed document
    assert response.context["editable"] is True


# Neither alphabetical nor jsonb's order (shortest key first), and top-level keys
# in an unconventional order: what the operator wrote must come back as written.
WRITTEN_ORDER = ["zeta", "alpha", "mid"]
WRITTEN = (
    '{"title": "Written order", "properties": {"zeta": {"type": "string"}, '
    '"alpha": {"type": "integer"}, "mid": {"type": "boolean"}}, '
    '"type": "object", "required": ["mid"]}'
)


def assert_in_order(html: str, *parts: str) -> None:
    positions = [html.index(part) for part in parts]
    assert positions == sorted(positions), parts


def test_schema_form_fields_follow_the_written_order_after_saving(
    owner_client, workspace
):
    response = owner_client.post(
        url("schema_create", workspace), create_data(document=WRITTEN)
    )
    assert response.status_code == 302
    written = json.loads(WRITTEN)
    schema = UserSchema.objects.get(workspace=workspace)  # read back from the DB
    assert json.dumps(schema.document) == json.dumps(written)

    response = owner_client.get(url("schema_detail", workspace, schema.pk))
    assert list(response.context["preview"].fields) == WRITTEN_ORDER
    # The edit box shows the document as stored, pretty-printed.
    text = response.context["form"]["document"].value()
    assert text == json.dumps(written, indent=2)
    html = response.content.decode()
    textarea = html[html.index('name="document"') :]
    textarea = textarea[: textarea.index("</textarea>")]
    assert_in_order(
        textarea,
        "&quot;title&quot;",
        "&quot;zeta&quot;",
        "&quot;alpha&quot;",
        "&quot;mid&quot;",
        "&quot;type&quot;: &quot;object&quot;",
    )
    assert_in_order(html, 'name="preview-zeta"', 'name="preview-alpha"')
    assert_in_order(html, 'name="preview-alpha"', 'name="preview-mid"')

    # The pool's "Create User" form too.
    pool = IdentityPool.objects.create(
        workspace=workspace, name="Shop", user_schema=schema
    )
    response = owner_client.get(
        reverse("identity_pools:pool_user_create", args=[workspace.slug, pool.pk])
    )
    data_fields = [n for n in response.context["form"].fields if n.startswith("data_")]
    assert data_fields == [f"data_{name}" for name in WRITTEN_ORDER]


def test_schema_edit_reordering_is_saved_and_shown(owner_client, workspace, schema):
    reordered = copy.deepcopy(schema.document)
    reordered["properties"] = dict(reversed(schema.document["properties"].items()))
    response = owner_client.post(
        url("schema_detail", workspace, schema.pk),
        edit_data(schema, document=json.dumps(reordered, indent=2)),
    )
    assert response.status_code == 302
    schema = UserSchema.objects.get(pk=schema.pk)
    assert json.dumps(schema.document) == json.dumps(reordered)
    response = owner_client.get(url("schema_detail", workspace, schema.pk))
    order = list(reversed(USER_DATA["properties"]))
    assert list(response.context["preview"].fields) == order
    text = response.context["form"]["document"].value()
    assert text == json.dumps(reordered, indent=2, ensure_ascii=False)
    event = AuditEvent.objects.get(action="user_schema.updated")
    assert event.details["changes"] == {"document": True}


def test_schema_detail_read_only_view_shows_the_document_as_stored(
    owner_client, workspace
):
    # The built-in rows are rewritten in order after migrating.
    response = owner_client.get(
        url("schema_detail", workspace, BUILTIN_USER_DATA_SCHEMA_ID)
    )
    assert response.context["document_json"] == json.dumps(
        USER_DATA, indent=2, ensure_ascii=False
    )
    assert list(response.context["preview"].fields) == list(USER_DATA["properties"])


def test_schema_detail_builtin_is_read_only(owner_client, workspace):
    response = owner_client.get(
        url("schema_detail", workspace, BUILTIN_USER_DATA_SCHEMA_ID)
    )
    assert response.status_code == 200
    assert response.context["editable"] is False
    html = response.content.decode()
    assert "<pre" in html and 'name="document"' not in html


def test_schema_detail_post_to_builtin_is_refused_clearly(owner_client, workspace):
    builtin = UserSchema.objects.get(pk=BUILTIN_USER_DATA_SCHEMA_ID)
    response = owner_client.post(
        url("schema_detail", workspace, builtin.pk),
        edit_data(builtin, name="Mine now"),
        follow=True,
    )
    assert response.status_code == 200
    assert any("Built-in schemas cannot be changed" in m for m in flashes(response))
    builtin.refresh_from_db()
    assert builtin.name == "Default user data"


def test_schema_edit_saves_and_redirects(owner_client, workspace, schema):
    document = copy.deepcopy(schema.document)
    document["properties"]["vip"] = {"type": "boolean", "title": "VIP"}
    response = owner_client.post(
        url("schema_detail", workspace, schema.pk),
        edit_data(schema, name="Clients", document=json.dumps(document)),
    )
    assert response.status_code == 302
    assert response["Location"] == url("schema_detail", workspace, schema.pk)
    schema.refresh_from_db()
    assert schema.name == "Clients" and "vip" in schema.document["properties"]
    assert AuditEvent.objects.filter(action="user_schema.updated").count() == 1


def test_schema_edit_invalid_document_keeps_the_text(owner_client, workspace, schema):
    text = '{"type": "object", "properties": {"a": {"type": "integr"}}}'
    response = owner_client.post(
        url("schema_detail", workspace, schema.pk), edit_data(schema, document=text)
    )
    assert response.status_code == 200
    assert form_codes(response, "document") == ["schema_invalid"]
    html = response.content.decode()
    assert "At /properties/a/type:" in html
    assert "confirm" not in response.context["form"].fields
    schema.refresh_from_db()
    assert schema.document == USER_DATA


@pytest.fixture
def broken_by_birthdate(workspace, schema):
    """A pool of ``schema`` with users, and a stricter document two of them fail."""
    pool = IdentityPool.objects.create(
        workspace=workspace, name="Shop", user_schema=schema
    )
    PoolUser.objects.create(pool=pool, user_data={**ANN, "birthdate": "1990-04-23"})
    for name in ("Bo Ek", "Cy Fo"):
        PoolUser.objects.create(
            pool=pool,
            user_data={"given_name": name[:2], "family_name": name[3:], "name": name},
            display_name=name,
        )
    document = copy.deepcopy(schema.document)
    document["required"].append("birthdate")
    return document


def test_schema_edit_that_breaks_users_asks_for_confirmation(
    owner_client, workspace, schema, broken_by_birthdate
):
    response = owner_client.post(
        url("schema_detail", workspace, schema.pk),
        edit_data(schema, document=json.dumps(broken_by_birthdate)),
    )
    assert response.status_code == 200
    impact = response.context["impact"]
    assert (impact.checked, impact.failing) == (3, 2)
    html = response.content.decode()
    assert "Bo Ek" in html and "Birthdate is required." in html
    assert 'name="confirm"' in html and "Save anyway" in html
    assert document_digest(broken_by_birthdate) in html
    schema.refresh_from_db()
    assert "birthdate" not in schema.document["required"]


def test_schema_edit_save_anyway(owner_client, workspace, schema, broken_by_birthdate):
    response = owner_client.post(
        url("schema_detail", workspace, schema.pk),
        edit_data(
            schema,
            document=json.dumps(broken_by_birthdate),
            confirm="on",
            confirmed_document=document_digest(broken_by_birthdate),
        ),
    )
    assert response.status_code == 302
    schema.refresh_from_db()
    assert "birthdate" in schema.document["required"]
    event = AuditEvent.objects.get(action="user_schema.updated")
    assert event.details["forced"] is True


def test_schema_edit_save_anyway_applies_only_to_the_document_seen(
    owner_client, workspace, schema, broken_by_birthdate
):
    seen = copy.deepcopy(broken_by_birthdate)
    changed = copy.deepcopy(broken_by_birthdate)
    changed["required"].append("nickname")
    response = owner_client.post(
        url("schema_detail", workspace, schema.pk),
        edit_data(
            schema,
            document=json.dumps(changed),
            confirm="on",
            confirmed_document=document_digest(seen),
        ),
    )
    assert response.status_code == 200
    assert response.context["impact"].failing == 3
    schema.refresh_from_db()
    assert "nickname" not in schema.document["required"]


# --- delete -----------------------------------------------------------------------


def test_schema_delete_confirm_and_delete(owner_client, workspace, schema):
    confirm = owner_client.get(url("schema_delete", workspace, schema.pk))
    assert confirm.status_code == 200
    assert 'type="submit"' in confirm.content.decode()
    response = owner_client.post(url("schema_delete", workspace, schema.pk))
    assert response.status_code == 302
    assert response["Location"] == url("schema_list", workspace)
    assert not UserSchema.objects.filter(pk=schema.pk).exists()
    assert AuditEvent.objects.filter(action="user_schema.deleted").count() == 1


def test_schema_delete_in_use_is_refused(owner_client, workspace, schema):
    IdentityPool.objects.create(workspace=workspace, name="Shop", user_schema=schema)
    confirm = owner_client.get(url("schema_delete", workspace, schema.pk))
    assert "Shop" in confirm.content.decode()
    assert 'type="submit" class="danger"' not in confirm.content.decode()
    response = owner_client.post(
        url("schema_delete", workspace, schema.pk), follow=True
    )
    assert response.status_code == 200
    assert any("Shop" in m for m in flashes(response))
    assert UserSchema.objects.filter(pk=schema.pk).exists()


def test_schema_delete_builtin_is_refused(owner_client, workspace):
    response = owner_client.post(
        url("schema_delete", workspace, BUILTIN_USER_DATA_SCHEMA_ID), follow=True
    )
    assert response.status_code == 200
    assert any("Built-in" in m for m in flashes(response))
    assert UserSchema.objects.filter(pk=BUILTIN_USER_DATA_SCHEMA_ID).exists()


# --- roles and tenancy --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["schema_list", "schema_create", "schema_detail", "schema_delete"]
)
def test_schema_screens_viewer_sees_but_cannot_change(
    viewer_client, workspace, schema, name
):
    args = [] if name in ("schema_list", "schema_create") else [schema.pk]
    assert viewer_client.get(url(name, workspace, *args)).status_code == 200
    response = viewer_client.post(
        url(name, workspace, *args), create_data() | edit_data(schema)
    )
    assert response.status_code == 403
    schema.refresh_from_db()
    assert UserSchema.objects.filter(workspace=workspace).count() == 1


def test_schema_detail_viewer_sees_document_not_form(viewer_client, workspace, schema):
    response = viewer_client.get(url("schema_detail", workspace, schema.pk))
    html = response.content.decode()
    assert response.context["editable"] is False
    assert "<pre" in html and 'name="document"' not in html


@pytest.mark.parametrize("name", ["schema_detail", "schema_delete"])
def test_schema_screens_foreign_schema_is_404(owner_client, workspace, name):
    foreign = UserSchemaFactory(workspace=WorkspaceFactory())
    assert owner_client.get(url(name, workspace, foreign.pk)).status_code == 404
    assert owner_client.post(url(name, workspace, foreign.pk)).status_code == 404
    assert UserSchema.objects.filter(pk=foreign.pk).exists()
