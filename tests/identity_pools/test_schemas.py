"""The user-schema engine (identity_pools.user_schemas) and its services."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random

import pytest
from django import forms
from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

from core.models import AuditEvent
from identity_pools.models import (
    BUILTIN_METADATA_SCHEMA_ID,
    BUILTIN_USER_DATA_SCHEMA_ID,
    IdentityPool,
    PoolUser,
    UserSchema,
)
from identity_pools.user_schemas import (
    FORMAT_CHECKER,
    display_name_from,
    humanise,
    schema_data_checker,
    schema_data_errors,
    schema_data_from_form,
    schema_document_check,
    schema_form_fields,
    schema_form_initial,
    services,
)
from identity_pools.user_schemas.builtin import METADATA, USER_DATA
from identity_pools.user_schemas.services import (
    SchemaBreaksUsers,
    user_schema_create,
    user_schema_delete,
    user_schema_impact,
    user_schema_update,
)
from tests.factories import UserSchemaFactory, WorkspaceFactory

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


def doc(**properties) -> dict:
    return {"type": "object", "properties": properties}


def check_errors(document) -> list[ValidationError]:
    with pytest.raises(ValidationError) as info:
        schema_document_check(document)
    return info.value.error_list


# --- schema_document_check ------------------------------------------------------


@pytest.mark.parametrize("document", [USER_DATA, METADATA], ids=["user", "meta"])
def test_schema_document_check_accepts_builtin_documents(document):
    schema_document_check(copy.deepcopy(document))


def test_schema_document_check_accepts_every_renderable_shape():
    schema_document_check(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "s": {"type": "string", "maxLength": 1000, "pattern": "^[a-z]*$"},
                "n": {"type": ["number", "null"], "minimum": 0},
                "i": {"type": "integer", "exclusiveMaximum": 10},
                "b": {"type": "boolean"},
                "e": {"enum": ["a", "b", 3]},
                "tags": {"type": "array", "items": {"enum": ["x", "y"]}},
                "d": {"type": "string", "format": "date"},
                "t": {"type": "string", "format": "date-time"},
                "m": {"type": "string", "format": "email"},
                "u": {"type": "string", "format": "uri"},
            },
            "required": ["s"],
            "additionalProperties": False,
        }
    )


@pytest.mark.parametrize(
    ("document", "code", "pointer"),
    [
        (doc(age={"type": "integr"}), "schema_invalid", "At /properties/age/type:"),
        (
            {**doc(age={"type": "string"}), "required": "age"},
            "schema_invalid",
            "At /required:",
        ),
        (
            doc(code={"type": "string", "pattern": "(["}),
            "schema_pattern",
            "At /properties/code/pattern:",
        ),
        (
            {**doc(), "$schema": "http://json-schema.org/draft-07/schema#"},
            "schema_invalid",
            "At /$schema:",
        ),
        (
            doc(address={"type": "object", "properties": {"city": {"type": "string"}}}),
            "schema_unrenderable",
            "At /properties/address:",
        ),
        (
            {**doc(a={"$ref": "#/$defs/a"}), "$defs": {"a": {"type": "string"}}},
            "schema_unrenderable",
            "At /properties/a/$ref:",
        ),
        (
            doc(a={"anyOf": [{"type": "string"}, {"type": "integer"}]}),
            "schema_unrenderable",
            "At /properties/a/anyOf:",
        ),
        (
            doc(ip={"type": "string", "format": "ipv4"}),
            "schema_unrenderable",
            "At /properties/ip/format:",
        ),
        (doc(**{"1st": {"type": "string"}}), "schema_unrenderable", "/properties/1st"),
        (
            doc(**{"a/b": {"type": "string"}}),
            "schema_unrenderable",
            "At /properties/a~1b:",
        ),
        (
            {**doc(a={"type": "string"}), "required": ["b"]},
            "schema_unrenderable",
            "At /required/0:",
        ),
        (
            doc(tags={"type": "array", "items": {"type": "string"}}),
            "schema_unrenderable",
            "At /properties/tags:",
        ),
        (
            doc(a={"type": ["string", "integer"]}),
            "schema_unrenderable",
            "At /properties/a/type:",
        ),
        (
            doc(a={"enum": ["1", 1]}),
            "schema_unrenderable",
            "At /properties/a/enum/1:",
        ),
        (
            {"type": "array", "items": {"type": "string"}},
            "schema_unrenderable",
            "At /type:",
        ),
        (
            {**doc(), "patternProperties": {"^x_": {"type": "string"}}},
            "schema_unrenderable",
            "At /patternProperties:",
        ),
        (
            doc(**{f"p{i}": {"type": "string"} for i in range(101)}),
            "schema_too_large",
            "At /properties:",
        ),
    ],
    ids=[
        "type-typo",
        "required-not-list",
        "bad-regex",
        "other-draft",
        "nested-object",
        "ref",
        "any-of",
        "unknown-format",
        "bad-name",
        "pointer-escaped",
        "required-undeclared",
        "array-without-enum",
        "two-types",
        "enum-clash",
        "not-object",
        "pattern-properties",
        "too-many-properties",
    ],
)
def test_schema_document_check_refuses(document, code, pointer):
    errors = check_errors(document)
    assert {e.code for e in errors} == {code}
    assert pointer in errors[0].message


def test_schema_document_check_unknown_format_lists_supported_ones():
    (error,) = check_errors(doc(ip={"type": "string", "format": "ipv4"}))
    assert all(f in error.message for f in ("date", "date-time", "email", "uri"))


def test_schema_document_check_reports_several_problems_at_once():
    errors = check_errors(
        doc(
            address={"type": "object"},
            ip={"type": "string", "format": "ipv4"},
        )
    )
    assert [e.code for e in errors] == ["schema_unrenderable"] * 2


def test_schema_document_check_too_large_document():
    big = doc(notes={"type": "string", "description": "x" * 70_000})
    assert [e.code for e in check_errors(big)] == ["schema_too_large"]


def test_schema_document_check_deep_nesting_is_an_error_not_a_crash():
    deep: dict = doc()
    node = deep["properties"]
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    assert [e.code for e in check_errors(deep)] == ["schema_too_large"]


@pytest.mark.parametrize(
    "document",
    [doc(a={"type": "number", "maximum": float("nan")}), {"type": {"object"}}],
    ids=["nan", "set"],
)
def test_schema_document_check_not_json(document):
    assert [e.code for e in check_errors(document)] == ["schema_invalid"]


@pytest.mark.parametrize("document", [None, [], True, "object"])
def test_schema_document_check_non_object_documents(document):
    assert check_errors(document)


# --- property order ---------------------------------------------------------------

WRITTEN_ORDER = ["zeta", "alpha", "mid"]


def written_order_document() -> dict:
    """Properties in neither alphabetical order nor jsonb's (shortest key first),
    and top-level keys in an unconventional order."""
    return {
        "title": "Written order",
        "properties": {
            "zeta": {"type": "string"},
            "alpha": {"type": "integer"},
            "mid": {"type": "boolean"},
        },
        "type": "object",
        "required": ["mid", "zeta"],
    }


def test_schema_form_fields_follow_the_written_order():
    document = written_order_document()
    schema_document_check(document)
    assert list(schema_form_fields(document)) == WRITTEN_ORDER
    assert list(schema_form_fields(document, prefix="data_")) == [
        f"data_{name}" for name in WRITTEN_ORDER
    ]
    cleaned = {"mid": True, "alpha": 3, "zeta": "z"}
    assert list(schema_data_from_form(document, cleaned)) == WRITTEN_ORDER
    assert list(schema_data_errors(document, {"alpha": "three"})) == WRITTEN_ORDER
    reversed_document = {
        **document,
        "properties": dict(reversed(document["properties"].items())),
    }
    assert list(schema_form_fields(reversed_document)) == WRITTEN_ORDER[::-1]


@pytest.mark.parametrize("value", [["mid", "alpha"], "not a list"])
def test_schema_x_property_order_is_just_an_unknown_keyword(value):
    document = {**written_order_document(), "x-property-order": value}
    schema_document_check(document)
    assert list(schema_form_fields(document)) == WRITTEN_ORDER
    assert schema_data_errors(document, {"zeta": "z", "mid": False}) == {}


# --- schema_form_fields ---------------------------------------------------------


def test_schema_form_fields_builtin_user_schema():
    fields = schema_form_fields(USER_DATA)
    assert list(fields) == list(USER_DATA["properties"])
    assert fields["given_name"].label == "Given name"
    assert fields["given_name"].help_text.startswith("The first name.")
    assert {n for n, f in fields.items() if f.required} == {
        "given_name",
        "family_name",
        "name",
    }
    assert fields["name"].max_length == 200
    assert isinstance(fields["birthdate"], forms.DateField)
    assert fields["birthdate"].widget.input_type == "date"
    assert isinstance(fields["website"], forms.URLField)
    assert isinstance(fields["given_name"].widget, forms.TextInput)


def test_schema_form_fields_label_falls_back_to_humanised_name():
    fields = schema_form_fields(doc(family_name={"type": "string"}))
    assert fields["family_name"].label == "Family name"
    assert humanise("favouriteColour") == "Favourite colour"


def test_schema_form_fields_widgets_and_limits():
    document = {
        **doc(
            bio={"type": "string", "maxLength": 2000},
            at={"type": "string", "format": "date-time"},
            mail={"type": "string", "format": "email"},
            age={"type": "integer", "minimum": 18, "exclusiveMaximum": 130},
            score={"type": "number", "minimum": 0, "maximum": 1},
            vip={"type": "boolean"},
            plan={"enum": ["free", "pro"]},
            size={"type": "integer", "enum": [1, 2]},
            tags={"type": "array", "items": {"enum": ["news", "offers"]}},
        ),
        "required": ["vip", "size"],
    }
    f = schema_form_fields(document, prefix="user-")
    assert list(f) == [f"user-{n}" for n in document["properties"]]
    assert isinstance(f["user-bio"].widget, forms.Textarea)
    assert f["user-at"].widget.input_type == "datetime-local"
    assert isinstance(f["user-mail"], forms.EmailField)
    assert (f["user-age"].min_value, f["user-age"].max_value) == (18, 129)
    assert isinstance(f["user-score"], forms.FloatField)
    assert f["user-score"].max_value == 1
    # A required boolean must be present, not true: the box may stay unticked.
    assert isinstance(f["user-vip"], forms.BooleanField)
    assert f["user-vip"].required is False
    assert f["user-plan"].choices[0][0] == ""  # optional: blank choice
    # Required too: starts empty, so that nobody saves the first value unseen.
    assert [c for c, _ in f["user-size"].choices] == ["", "1", "2"]
    assert f["user-size"].required
    assert isinstance(f["user-tags"].widget, forms.CheckboxSelectMultiple)


def test_schema_form_fields_pattern_message():
    fields = schema_form_fields(USER_DATA)
    with pytest.raises(ValidationError) as info:
        fields["locale"].clean("not a locale")
    # The property's description, not the raw regular expression.
    assert "A language tag (BCP 47)" in info.value.messages[0]
    assert "^[A-Za-z]" not in info.value.messages[0]


def test_schema_form_fields_uri_only_http_and_https():
    field = schema_form_fields(USER_DATA)["website"]
    assert field.clean("https://example.com") == "https://example.com"
    with pytest.raises(ValidationError):
        field.clean("ftp://example.com")


def form_for(document: dict, data: dict | None = None, initial: dict | None = None):
    form = forms.Form(data=data, initial=initial)
    form.fields.update(schema_form_fields(document))
    return form


ROUND_TRIP = {
    **doc(
        given_name={"type": "string", "maxLength": 50},
        birthdate={"type": "string", "format": "date"},
        seen_at={"type": "string", "format": "date-time"},
        age={"type": "integer"},
        score={"type": "number"},
        vip={"type": "boolean"},
        plan={"enum": ["free", "pro", 3]},
        tags={"type": "array", "items": {"enum": ["news", "offers"]}},
        website={"type": "string", "format": "uri"},
    ),
    "required": ["given_name"],
}


def test_schema_form_round_trip():
    form = form_for(
        ROUND_TRIP,
        data={
            "given_name": " Ann ",
            "birthdate": "1990-04-23",
            "seen_at": "2024-05-01T09:30",
            "age": "34",
            "score": "2.5",
            "vip": "on",
            "plan": "3",
            "tags": ["offers"],
            "website": "https://example.com/ann",
        },
    )
    assert form.is_valid(), form.errors
    data = schema_data_from_form(ROUND_TRIP, form.cleaned_data)
    assert data == {
        "given_name": "Ann",
        "birthdate": "1990-04-23",
        "seen_at": "2024-05-01T09:30:00Z",
        "age": 34,
        "score": 2.5,
        "vip": True,
        "plan": 3,
        "tags": ["offers"],
        "website": "https://example.com/ann",
    }
    assert schema_data_errors(ROUND_TRIP, data) == {}
    initial = schema_form_initial(ROUND_TRIP, data)
    assert initial["birthdate"] == dt.date(1990, 4, 23)
    assert initial["plan"] == "3"
    # Re-submitting the initial values gives the same data back.
    again = form_for(ROUND_TRIP, initial=initial)
    resubmitted = {
        name: again[name].value()
        for name in again.fields
        if again[name].value() not in (None, False)
    }
    resubmitted["seen_at"] = again["seen_at"].field.widget.format_value(
        initial["seen_at"]
    )
    rebound = form_for(ROUND_TRIP, data=resubmitted)
    assert rebound.is_valid(), rebound.errors
    assert schema_data_from_form(ROUND_TRIP, rebound.cleaned_data) == data


def test_schema_data_from_form_omits_empty_optional_values():
    document = {
        **doc(
            nickname={"type": "string"},
            age={"type": "integer"},
            vip={"type": "boolean"},
            terms={"type": "boolean"},
            tags={"type": "array", "items": {"enum": ["a"]}},
        ),
        "required": ["terms"],
    }
    form = form_for(document, data={"nickname": "", "age": ""})
    assert form.is_valid(), form.errors
    assert schema_data_from_form(document, form.cleaned_data) == {"terms": False}


def test_schema_form_initial_keeps_unparseable_dates_as_text():
    initial = schema_form_initial(USER_DATA, {"birthdate": "23/04/1990", "x": 1})
    assert initial == {"birthdate": "23/04/1990"}


# --- schema_data_errors ---------------------------------------------------------


def test_schema_data_errors_valid_data():
    assert schema_data_errors(USER_DATA, {**ANN, "birthdate": "1990-04-23"}) == {}


@pytest.mark.parametrize(
    ("data", "key", "code", "fragment"),
    [
        (
            {"given_name": "Ann", "name": "Ann"},
            "family_name",
            "data_required",
            "Family name is required",
        ),
        ({**ANN, "nickname": 7}, "nickname", "data_type", "must be text"),
        (
            {**ANN, "nickname": "x" * 101},
            "nickname",
            "data_length",
            "at most 100 characters",
        ),
        (
            {**ANN, "birthdate": "1990-13-01"},
            "birthdate",
            "data_format",
            "use YYYY-MM-DD",
        ),
        (
            {**ANN, "website": "ftp://example.com"},
            "website",
            "data_format",
            "http:// or https://",
        ),
        ({**ANN, "website": "https://"}, "website", "data_format", "web address"),
        (
            {**ANN, "locale": "english please"},
            "locale",
            "data_pattern",
            "not in the expected format. A language tag",
        ),
        ({**ANN, "shoe_size": 42}, "shoe_size", "data_unknown_field", "remove it"),
    ],
    ids=[
        "missing",
        "type",
        "too-long",
        "bad-date",
        "bad-scheme",
        "no-host",
        "pattern",
        "unknown",
    ],
)
def test_schema_data_errors_builtin(data, key, code, fragment):
    errors = schema_data_errors(USER_DATA, data)
    assert list(errors) == [key]
    [problem] = errors[key]
    assert problem.code == code
    assert fragment in problem.message


def test_schema_data_errors_example_messages():
    errors = schema_data_errors(USER_DATA, {"birthdate": "1990-13-01"})
    assert [e.message for e in errors["given_name"]] == ["Given name is required."]
    assert [e.message for e in errors["birthdate"]] == [
        "Birthdate: '1990-13-01' is not a valid date; use YYYY-MM-DD."
    ]


@pytest.mark.parametrize(
    ("prop", "value", "ok"),
    [
        ({"enum": ["free", "pro"]}, "gold", False),
        ({"enum": ["free", "pro"]}, "pro", True),
        ({"type": "integer", "minimum": 1}, 0, False),
        ({"type": "integer"}, 2.0, True),
        ({"type": "integer"}, 2.5, False),
        ({"type": "string"}, 2, False),
        ({"type": "integer"}, True, False),
        ({"type": "number", "exclusiveMaximum": 1}, 1, False),
        ({"type": "string", "format": "email"}, "ann@", False),
        ({"type": "string", "format": "date-time"}, "2024-05-01T09:30:00Z", True),
        ({"type": "string", "format": "date-time"}, "2024-05-01T09:30:00", False),
        ({"type": "array", "items": {"enum": ["a", "b"]}}, ["a", "c"], False),
        (
            {"type": "array", "items": {"enum": ["a"]}, "uniqueItems": True},
            ["a", "a"],
            False,
        ),
        ({"type": ["string", "null"]}, None, True),
    ],
)
def test_schema_data_errors_keywords(prop, value, ok):
    errors = schema_data_errors(doc(p=prop), {"p": value})
    assert (errors == {}) is ok
    if not ok:
        assert list(errors) == ["p"]


def test_schema_data_errors_not_an_object():
    assert list(schema_data_errors(USER_DATA, ["Ann"])) == ["__all__"]


def test_schema_data_errors_follows_a_changed_document():
    document = doc(a={"type": "string"})
    assert schema_data_errors(document, {}) == {}
    document["required"] = ["a"]
    assert list(schema_data_errors(document, {})) == ["a"]


def test_schema_data_checker_fast_path_agrees_with_jsonschema():
    """The fast path may only call data valid when jsonschema does too."""
    document = {
        **doc(
            s={"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
            i={"type": ["integer", "null"], "minimum": 0, "exclusiveMaximum": 10},
            e={"enum": ["a", 1, 2.5]},
            arr={
                "type": "array",
                "items": {"enum": ["x", "y"]},
                "minItems": 1,
                "uniqueItems": True,
            },
            d={"type": "string", "format": "date"},
            u={"type": "string", "format": "uri"},
        ),
        "required": ["s"],
        "additionalProperties": False,
    }
    values = {
        "s": ["ab", "a", "abcde", "AB", 1, None],
        "i": [0, 9, 10, -1, 1.0, 1.5, None, True, "1"],
        "e": ["a", 1, 1.0, 2.5, "1", True, None],
        "arr": [[], ["x"], ["x", "x"], ["z"], [1], "x", [True]],
        "d": ["2020-01-01", "2020-02-30", "20200101", 5],
        "u": ["https://x.org", "ftp://x.org", "https://", 2],
        "zz": [1],
    }
    reference = Draft202012Validator(document, format_checker=FORMAT_CHECKER)
    check = schema_data_checker(document)
    samples = [{}, {"s": "ab"}]
    # Every value on its own beside a valid required field, then mixtures.
    samples += [{"s": "ab", k: v} for k, vs in values.items() for v in vs]
    rng = random.Random(7)
    samples += [
        {k: rng.choice(v) for k, v in values.items() if rng.random() < 0.5}
        for _ in range(1000)
    ]
    for data in samples:
        assert (check(data) == {}) == reference.is_valid(data), data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "Ann Lee", "given_name": "X"}, "Ann Lee"),
        ({"given_name": "Ann", "family_name": "Lee"}, "Ann Lee"),
        ({"given_name": " Ann "}, "Ann"),
        ({"preferred_username": "ann"}, "ann"),
        ({"nickname": "Annie"}, "Annie"),
        ({"name": 5}, ""),
        ({}, ""),
        ({"name": "x" * 400}, "x" * 300),
    ],
)
def test_display_name_from(data, expected):
    assert display_name_from(data) == expected


# --- services ---------------------------------------------------------------------


def actions(workspace) -> list[str]:
    return list(
        AuditEvent.objects.for_workspace(workspace)
        .order_by("id")
        .values_list("action", flat=True)
    )


def field_codes(exc: ValidationError, field: str) -> list[str]:
    return [e.code for e in exc.error_dict.get(field, [])]


@pytest.fixture
def schema(workspace):
    return UserSchemaFactory(workspace=workspace, name="Customers")


def make_pool(workspace, schema, **kwargs) -> IdentityPool:
    return IdentityPool.objects.create(
        workspace=workspace,
        name=kwargs.pop("name", "Shop"),
        user_schema=schema,
        **kwargs,
    )


def test_user_schema_create_stores_the_document_as_written(workspace, owner):
    document = written_order_document()
    schema = user_schema_create(
        workspace=workspace,
        actor=owner,
        name="Ordered",
        description="",
        kind="user_data",
        document=copy.deepcopy(document),
    )
    stored = UserSchema.objects.get(pk=schema.pk).document
    # Same keys in the same order at every level, nothing added.
    assert json.dumps(stored) == json.dumps(document)
    assert list(schema_form_fields(stored)) == WRITTEN_ORDER


def test_user_schema_update_reordering_saves_without_a_scan(
    workspace, owner, schema, monkeypatch
):
    make_pool(workspace, schema)

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned users although only the order changed")

    monkeypatch.setattr(services, "_update_impact", no_scan)
    reordered = copy.deepcopy(USER_DATA)
    reordered["properties"] = dict(reversed(list(USER_DATA["properties"].items())))
    user_schema_update(
        schema=schema, actor=owner, name=schema.name, description="", document=reordered
    )
    schema.refresh_from_db()
    assert json.dumps(schema.document) == json.dumps(reordered)
    assert list(schema_form_fields(schema.document)) == list(
        reversed(USER_DATA["properties"])
    )
    event = AuditEvent.objects.get(action="user_schema.updated")
    assert event.details["changes"] == {"document": True}


def test_user_schema_create_saves_and_audits(workspace, owner):
    schema = user_schema_create(
        workspace=workspace,
        actor=owner,
        name=" Partners ",
        description="B2B",
        kind="user_data",
        document=copy.deepcopy(USER_DATA),
    )
    schema.refresh_from_db()
    assert (schema.workspace, schema.name, schema.kind) == (
        workspace,
        "Partners",
        "user_data",
    )
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.actor_id, event.target_id) == (
        "user_schema.created",
        str(owner.pk),
        str(schema.pk),
    )


@pytest.mark.parametrize("name", ["customers", "CUSTOMERS", "default user data"])
def test_user_schema_create_duplicate_name(workspace, owner, schema, name):
    with pytest.raises(ValidationError) as info:
        user_schema_create(
            workspace=workspace,
            actor=owner,
            name=name,
            description="",
            kind="user_data",
            document=USER_DATA,
        )
    assert field_codes(info.value, "name") == ["schema_name_taken"]
    assert actions(workspace) == []


def test_user_schema_create_same_name_in_another_workspace(owner, schema):
    other = WorkspaceFactory()
    created = user_schema_create(
        workspace=other,
        actor=owner,
        name="Customers",
        description="",
        kind="user_data",
        document=USER_DATA,
    )
    assert created.workspace == other


def test_user_schema_create_race_on_name(workspace, owner, schema, monkeypatch):
    # The other request's row exists, but this one checked before it was saved.
    monkeypatch.setattr(services, "_name_taken", lambda **kwargs: False)
    with pytest.raises(ValidationError) as info:
        user_schema_create(
            workspace=workspace,
            actor=owner,
            name="CUSTOMERS",
            description="",
            kind="user_data",
            document=USER_DATA,
        )
    assert field_codes(info.value, "name") == ["schema_name_taken"]
    assert UserSchema.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"document": doc(a={"type": "object"})}, "document", "schema_unrenderable"),
        ({"document": doc(a={"type": "strin"})}, "document", "schema_invalid"),
        ({"document": {}}, "document", "schema_unrenderable"),
        ({"kind": "everything"}, "kind", "invalid_choice"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_user_schema_create_invalid(workspace, owner, changes, field, code):
    kwargs = {
        "name": "New",
        "description": "",
        "kind": "user_data",
        "document": USER_DATA,
        **changes,
    }
    with pytest.raises(ValidationError) as info:
        user_schema_create(workspace=workspace, actor=owner, **kwargs)
    assert set(field_codes(info.value, field)) == {code}
    assert not UserSchema.objects.filter(workspace=workspace).exists()


def test_user_schema_update_saves_and_audits(workspace, owner, schema):
    document = copy.deepcopy(USER_DATA)
    document["properties"]["vip"] = {"type": "boolean"}
    user_schema_update(
        schema=schema,
        actor=owner,
        name="Clients",
        description="Renamed",
        document=document,
    )
    schema.refresh_from_db()
    assert (schema.name, schema.description) == ("Clients", "Renamed")
    assert "vip" in schema.document["properties"]
    event = AuditEvent.objects.get(action="user_schema.updated")
    assert event.details["changes"]["name"] == ["Customers", "Clients"]
    assert event.details["changes"]["document"] is True


def test_user_schema_update_duplicate_name(workspace, owner, schema):
    UserSchemaFactory(workspace=workspace, name="Partners")
    with pytest.raises(ValidationError) as info:
        user_schema_update(
            schema=schema,
            actor=owner,
            name="partners",
            description="",
            document=schema.document,
        )
    assert field_codes(info.value, "name") == ["schema_name_taken"]
    assert schema.name == "Customers"  # the instance is left as it was


@pytest.mark.parametrize(
    "schema_id", [BUILTIN_USER_DATA_SCHEMA_ID, BUILTIN_METADATA_SCHEMA_ID]
)
def test_user_schema_update_builtin_refused(owner, schema_id):
    builtin = UserSchema.objects.get(pk=schema_id)
    with pytest.raises(ValidationError) as info:
        user_schema_update(
            schema=builtin,
            actor=owner,
            name="Mine now",
            description="",
            document=builtin.document,
        )
    assert info.value.code == "schema_builtin"
    builtin.refresh_from_db()
    assert builtin.name != "Mine now"


def test_user_schema_delete_builtin_refused(owner):
    builtin = UserSchema.objects.get(pk=BUILTIN_USER_DATA_SCHEMA_ID)
    with pytest.raises(ValidationError) as info:
        user_schema_delete(schema=builtin, actor=owner)
    assert info.value.code == "schema_builtin"
    assert UserSchema.objects.filter(pk=BUILTIN_USER_DATA_SCHEMA_ID).exists()


def test_user_schema_delete_removes_and_audits(workspace, owner, schema):
    user_schema_delete(schema=schema, actor=owner)
    assert not UserSchema.objects.filter(pk=schema.pk).exists()
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.target_id, event.details["name"]) == (
        "user_schema.deleted",
        str(schema.pk),
        "Customers",
    )


@pytest.mark.parametrize("fk", ["user_schema", "metadata_schema"])
def test_user_schema_delete_in_use_refused(workspace, owner, fk):
    kind = "metadata" if fk == "metadata_schema" else "user_data"
    schema = UserSchemaFactory(workspace=workspace, kind=kind)
    IdentityPool.objects.create(workspace=workspace, name="Shop", **{fk: schema})
    with pytest.raises(ValidationError) as info:
        user_schema_delete(schema=schema, actor=owner)
    assert info.value.code == "schema_in_use"
    assert "Shop" in info.value.messages[0]
    assert UserSchema.objects.filter(pk=schema.pk).exists()
    assert actions(workspace) == []


def stricter(document: dict) -> dict:
    new = copy.deepcopy(document)
    new["required"] = [*new["required"], "birthdate"]
    return new


def test_user_schema_update_breaking_users_refused_without_force(
    workspace, owner, schema
):
    pool = make_pool(workspace, schema)
    PoolUser.objects.create(pool=pool, user_data={**ANN, "birthdate": "1990-04-23"})
    for _ in range(2):
        PoolUser.objects.create(pool=pool, user_data=ANN)
    old_document = copy.deepcopy(schema.document)
    with pytest.raises(SchemaBreaksUsers) as info:
        user_schema_update(
            schema=schema,
            actor=owner,
            name="Customers",
            description="",
            document=stricter(schema.document),
        )
    assert info.value.code == "schema_breaks_users"
    assert (info.value.impact.checked, info.value.impact.failing) == (3, 2)
    assert schema.document == old_document
    schema.refresh_from_db()
    assert schema.document == old_document
    assert actions(workspace) == []


def test_user_schema_update_breaking_users_accepted_with_force(
    workspace, owner, schema
):
    pool = make_pool(workspace, schema)
    PoolUser.objects.create(pool=pool, user_data=ANN)
    new = stricter(schema.document)
    user_schema_update(
        schema=schema,
        actor=owner,
        name="Customers",
        description="",
        document=new,
        force=True,
    )
    schema.refresh_from_db()
    assert json.dumps(schema.document) == json.dumps(new)
    event = AuditEvent.objects.get(action="user_schema.updated")
    assert (event.details["forced"], event.details["users_failing"]) == (True, 1)


def test_user_schema_update_without_document_change_skips_the_scan(
    workspace, owner, schema, monkeypatch
):
    pool = make_pool(workspace, schema)
    PoolUser.objects.create(pool=pool, user_data={"broken": True})

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned users although the document did not change")

    monkeypatch.setattr(services, "_update_impact", no_scan)
    user_schema_update(
        schema=schema,
        actor=owner,
        name="Renamed",
        description="",
        document=copy.deepcopy(schema.document),
    )
    schema.refresh_from_db()
    assert schema.name == "Renamed"


def test_user_schema_impact_counts_and_samples(workspace, schema):
    pools = [make_pool(workspace, schema, name=f"Pool {i}") for i in range(2)]
    for pool in pools:
        for i in range(7):
            PoolUser.objects.create(
                pool=pool,
                user_data=ANN if i % 2 else {"given_name": "Bo"},
                display_name=f"{pool.name} user {i}",
            )
    other_pool = make_pool(workspace, schema, name="Not scanned")
    PoolUser.objects.create(pool=other_pool, user_data={})
    impact = user_schema_impact(document=USER_DATA, kind="user_data", pools=pools)
    assert (impact.checked, impact.failing) == (14, 8)
    assert len(impact.samples) == 8
    user, errors = impact.samples[0]
    assert isinstance(user, PoolUser) and user.pool in pools
    assert set(errors) == {"family_name", "name"}
    small = user_schema_impact(
        document=USER_DATA, kind="user_data", pools=pools, sample_size=3
    )
    assert (small.failing, len(small.samples)) == (8, 3)


def test_user_schema_impact_metadata_checks_metadata(workspace, schema):
    pool = make_pool(workspace, schema)
    PoolUser.objects.create(pool=pool, user_data={}, metadata={"notes": "ok"})
    PoolUser.objects.create(pool=pool, user_data={}, metadata={"notes": 5})
    impact = user_schema_impact(document=METADATA, kind="metadata", pools=[pool])
    assert (impact.checked, impact.failing) == (2, 1)
    assert impact.samples[0][0].metadata == {"notes": 5}


def test_user_schema_impact_query_count_does_not_grow(
    workspace, schema, django_assert_max_num_queries
):
    pool = make_pool(workspace, schema)
    PoolUser.objects.bulk_create(
        PoolUser(pool=pool, user_data={} if i % 3 else ANN) for i in range(60)
    )
    # One read of the pool's rows, one read of the sampled users.
    with django_assert_max_num_queries(2):
        impact = user_schema_impact(document=USER_DATA, kind="user_data", pools=[pool])
    assert (impact.checked, impact.failing) == (60, 40)


def test_schema_validity_checker_agrees_with_jsonschema():
    """The yes/no checker that counts failing users decides like jsonschema itself."""
    from jsonschema import Draft202012Validator

    from identity_pools.user_schemas import FORMAT_CHECKER, schema_data_validity_checker
    from identity_pools.user_schemas.builtin import USER_DATA

    rich = {
        "type": "object",
        "properties": {
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
            "score": {"type": "number", "exclusiveMaximum": 10},
            "tier": {"enum": ["gold", "silver"]},
            "tags": {
                "type": "array",
                "items": {"enum": ["a", "b"]},
                "uniqueItems": True,
            },
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "ok": {"type": "boolean"},
            "when": {"type": "string", "format": "date-time"},
            "mail": {"type": "string", "format": "email", "maxLength": 40},
        },
        "required": ["age"],
        "additionalProperties": False,
    }
    samples = [
        {},
        {"age": 3},
        {"age": 3.0},
        {"age": 3.5},
        {"age": -1},
        {"age": True},
        {"age": "3"},
        {"age": 1, "score": 10},
        {"age": 1, "score": 9.99},
        {"age": 1, "tier": "gold"},
        {"age": 1, "tier": "bronze"},
        {"age": 1, "tags": ["a", "b"]},
        {"age": 1, "tags": ["a", "a"]},
        {"age": 1, "tags": ["c"]},
        {"age": 1, "code": "ABC"},
        {"age": 1, "code": "abc"},
        {"age": 1, "ok": 0},
        {"age": 1, "when": "2026-11-27T10:00:00Z"},
        {"age": 1, "when": "yesterday"},
        {"age": 1, "mail": "a@example.com"},
        {"age": 1, "mail": "not-mail"},
        {"age": 1, "extra": 1},
        {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
        {
            "given_name": "Ann",
            "family_name": "Lee",
            "name": "Ann Lee",
            "birthdate": "1990-02-31",
        },
        {
            "given_name": "Ann",
            "family_name": "Lee",
            "name": "Ann Lee",
            "website": "ftp://x",
        },
        {"given_name": "", "family_name": "Lee", "name": "Ann Lee"},
        {"given_name": "Ann", "family_name": "Lee"},
        {"given_name": "Ann", "family_name": "Lee", "name": "A", "locale": "en-US"},
        {"given_name": "Ann", "family_name": "Lee", "name": "A", "locale": "english!"},
    ]
    for document in (rich, USER_DATA):
        reference = Draft202012Validator(document, format_checker=FORMAT_CHECKER)
        checker = schema_data_validity_checker(document)
        for data in samples:
            assert checker(data) == reference.is_valid(data), (
                document.get("title"),
                data,
            )
