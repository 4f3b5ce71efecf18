"""A user schema is operator input, and so hostile: checking data against it never
reaches the network or the file system, never recurses without end and never runs
a pattern in unbounded time (identity_pools.user_schemas.safety, core.patterns)."""

from __future__ import annotations

import copy
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import patterns
from identity_pools.models import PoolUser, UserSchema
from identity_pools.services.users import pool_user_create
from identity_pools.user_schemas import (
    schema_data_errors,
    schema_data_validity_checker,
    schema_document_check,
    schema_form_fields,
)
from identity_pools.user_schemas.builtin import USER_DATA
from tests.factories import IdentityPoolFactory
from tests.identity_pools.conftest import USER_FORM

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


class _Listener(HTTPServer):
    """A local HTTP server that counts requests (and answers each with a schema,
    as an attacker's server would)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                listener.requests.append(self.path)
                body = b'{"enum": ["secret-from-the-network"]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


@pytest.fixture
def listener():
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _base() -> dict:
    return copy.deepcopy(USER_DATA)


def _hiding_places(url: str) -> list[tuple[str, dict, str]]:
    """(name, document, JSON pointer of the reference) for every place a remote
    reference can hide in a user schema."""
    evil = f"{url}/evil.json"
    places = []

    def add(name: str, pointer: str, **changes) -> None:
        document = _base()
        for key, value in changes.items():
            if key == "properties":
                document["properties"].update(value)
            else:
                document[key] = value
        places.append((name, document, pointer))

    add("propertyNames", "/propertyNames/$ref", propertyNames={"$ref": evil})
    add(
        "$dynamicRef",
        "/propertyNames/$dynamicRef",
        propertyNames={"$dynamicRef": evil},
    )
    add(
        "relative $ref against a remote $id",
        "/propertyNames/$ref",
        **{"$id": f"{url}/root.json", "propertyNames": {"$ref": "evil.json"}},
    )
    add(
        "items",
        "/properties/tags/items/$ref",
        properties={"tags": {"type": "array", "items": {"$ref": evil}}},
    )
    add("allOf", "/allOf/0/$ref", allOf=[{"$ref": evil}])
    add("anyOf", "/anyOf/0/$ref", anyOf=[{"$ref": evil}])
    add("oneOf", "/oneOf/0/$ref", oneOf=[{"$ref": evil}])
    add("not", "/not/$ref", **{"not": {"$ref": evil}})
    add(
        "if/then/else",
        "/else/$ref",
        **{"if": {"required": ["x"]}, "then": True, "else": {"$ref": evil}},
    )
    add(
        "dependentSchemas",
        "/dependentSchemas/given_name/$ref",
        dependentSchemas={"given_name": {"$ref": evil}},
    )
    add(
        "additionalProperties",
        "/additionalProperties/$ref",
        additionalProperties={"$ref": evil},
    )
    add(
        "unevaluatedProperties",
        "/unevaluatedProperties/$ref",
        unevaluatedProperties={"$ref": evil},
    )
    add(
        "patternProperties",
        "/patternProperties/^x/$ref",
        patternProperties={"^x": {"$ref": evil}},
    )
    add(
        "a property",
        "/properties/given_name/$ref",
        properties={"given_name": {"$ref": evil}},
    )
    add(
        "$defs behind a local $ref",
        "/$defs/name/$ref",
        **{
            "$defs": {"name": {"$ref": evil}},
            "propertyNames": {"$ref": "#/$defs/name"},
        },
    )
    add(
        "deep nesting",
        "/propertyNames/allOf/0/not/anyOf/1/$ref",
        propertyNames={"allOf": [{"not": {"anyOf": [True, {"$ref": evil}]}}]},
    )
    add("a file", "/propertyNames/$ref", propertyNames={"$ref": "file:///etc/passwd"})
    return places


DATA = {**ANN, "tags": ["a"], "x": 1, "extra": "yes"}


def test_no_schema_ever_fetches_a_reference(listener):
    """Saved: every hiding place is refused, naming the location. Run anyway (a
    document stored before the rule): an error, never a fetch or an exception."""
    places = _hiding_places(listener.url)
    for name, document, pointer in places:
        with pytest.raises(ValidationError) as info:
            schema_document_check(document)
        found = [e for e in info.value.error_list if e.code == "schema_reference"]
        assert found, name
        assert f"At {pointer}:" in found[0].message, (name, found[0].message)

        errors = schema_data_errors(document, DATA)
        [problem] = errors["__all__"]
        assert problem.code == "schema_unusable", name
        assert "cannot be used" in problem.message, (name, errors)
        assert schema_data_validity_checker(document)(DATA) is False, name
    assert listener.requests == []


@pytest.mark.django_db
def test_create_user_with_a_stored_remote_reference_fetches_nothing(
    owner_client, workspace, listener
):
    """A document written before the rule (straight into the table) makes Create
    User answer with a message: no fetch, no hang, no 500."""
    document = _base()
    document["propertyNames"] = {"$ref": f"{listener.url}/evil.json"}
    schema = UserSchema.objects.create(
        workspace=workspace, kind="user_data", name="Old", document=document
    )
    pool = IdentityPoolFactory(workspace=workspace, user_schema=schema)
    response = owner_client.post(
        reverse("identity_pools:pool_user_create", args=[workspace.slug, pool.pk]),
        USER_FORM,
    )
    assert response.status_code == 200
    assert "The pool&#x27;s schema cannot be used" in response.content.decode()
    assert not PoolUser.objects.exists()
    assert listener.requests == []


def test_schema_registry_refuses_every_uri(listener):
    from identity_pools.user_schemas.safety import safe_validator

    validator = safe_validator({"$ref": f"{listener.url}/x.json"})
    with pytest.raises(Exception, match=r"x\.json"):
        validator.is_valid({})
    assert listener.requests == []


# --- references that stay inside the document ----------------------------------------


def _with(**changes) -> dict:
    document = _base()
    document.update(changes)
    return document


def test_local_references_and_anchors_work():
    document = _with(
        **{
            "$defs": {
                "field": {"$anchor": "field", "pattern": "^[a-z_]+$"},
                "short": {"maxLength": 20},
            },
            "propertyNames": {"allOf": [{"$ref": "#field"}, {"$ref": "#/$defs/short"}]},
        }
    )
    schema_document_check(document)
    assert schema_data_errors(document, ANN) == {}
    assert schema_data_errors(document, {**ANN, "Bad-Key": 1})


@pytest.mark.parametrize(
    ("changes", "pointer", "words"),
    [
        (
            {
                "$defs": {"a": {"$ref": "#/$defs/a"}},
                "propertyNames": {"$ref": "#/$defs/a"},
            },
            "/$defs/a/$ref",
            "leads back to itself",
        ),
        (
            {
                "$defs": {
                    "a": {"$ref": "#/$defs/b"},
                    "b": {"not": {"$ref": "#/$defs/a"}},
                },
                "propertyNames": {"$ref": "#/$defs/a"},
            },
            "/$defs/b/not/$ref",
            "leads back to itself",
        ),
        (
            {"propertyNames": {"$ref": "#"}},
            "/propertyNames/$ref",
            "leads back to itself",
        ),
        (
            {"propertyNames": {"$dynamicRef": "#meta"}, "$dynamicAnchor": "meta"},
            "/propertyNames/$dynamicRef",
            "leads back to itself",
        ),
        (
            {"propertyNames": {"$ref": "#/$defs/nothing"}},
            "/propertyNames/$ref",
            "points to nothing",
        ),
        (
            {"propertyNames": {"$ref": "#nowhere"}},
            "/propertyNames/$ref",
            "points to nothing",
        ),
        (
            {"propertyNames": {"$id": "https://example.com/x", "maxLength": 3}},
            "/propertyNames/$id",
            "only allowed at the top level",
        ),
    ],
)
def test_recursive_missing_and_nested_id_references_are_refused(
    changes, pointer, words
):
    document = _with(**changes)
    with pytest.raises(ValidationError) as info:
        schema_document_check(document)
    messages = [
        e.message for e in info.value.error_list if e.code == "schema_reference"
    ]
    assert any(m.startswith(f"At {pointer}:") and words in m for m in messages), (
        messages
    )
    # Run anyway (stored before the rule): a message, never a RecursionError.
    assert "__all__" in schema_data_errors(document, {**ANN, "z": 1})


def test_too_many_references_are_refused():
    defs = {f"d{i}": {"maxLength": 5} for i in range(101)}
    document = _with(
        **{
            "$defs": defs,
            "propertyNames": {"allOf": [{"$ref": f"#/$defs/d{i}"} for i in range(101)]},
        }
    )
    with pytest.raises(ValidationError) as info:
        schema_document_check(document)
    assert [e.code for e in info.value.error_list] == ["schema_too_large"]


# --- patterns run in bounded time --------------------------------------------------


EVIL = "^(a+)+$"
EVIL_VALUE = "a" * 28 + "!"


def _pattern_doc(pattern: str, *, fast: bool) -> dict:
    document = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": pattern}},
    }
    if not fast:
        # propertyNames is outside the fast path: jsonschema decides.
        document["propertyNames"] = {"maxLength": 64}
    return document


@pytest.fixture
def python_re_refuses_the_evil_pattern(monkeypatch):
    """Python's backtracking re must never see an operator's pattern."""

    def guard(function):
        def guarded(pattern, *args, **kwargs):
            if getattr(pattern, "pattern", pattern) == EVIL:
                raise AssertionError(f"re.{function.__name__} ran {EVIL!r}")
            return function(pattern, *args, **kwargs)

        return guarded

    for name in ("compile", "search", "match", "fullmatch"):
        monkeypatch.setattr(re, name, guard(getattr(re, name)))


@pytest.mark.usefixtures("python_re_refuses_the_evil_pattern")
def test_every_place_a_pattern_runs_uses_re2():
    fast, slow = _pattern_doc(EVIL, fast=True), _pattern_doc(EVIL, fast=False)
    schema_document_check(fast)
    schema_document_check(slow)
    # The form field.
    field = schema_form_fields(fast)["code"]
    with pytest.raises(ValidationError):
        field.clean(EVIL_VALUE)
    assert field.clean("aaaa") == "aaaa"
    # The fast path.
    assert schema_data_validity_checker(fast)({"code": EVIL_VALUE}) is False
    assert schema_data_errors(fast, {"code": EVIL_VALUE})
    # jsonschema: the pattern keyword, in a property and in propertyNames.
    assert schema_data_validity_checker(slow)({"code": EVIL_VALUE}) is False
    assert "code" in schema_data_errors(slow, {"code": EVIL_VALUE})
    assert schema_data_errors(slow, {"code": "aaa"}) == {}
    names = {"type": "object", "properties": {}, "propertyNames": {"pattern": EVIL}}
    schema_document_check(names)
    assert schema_data_errors(names, {EVIL_VALUE: 1})
    assert schema_data_errors(names, {"aaa": 1}) == {}


def test_re2_answers_in_linear_time_for_any_input():
    """The bounded-time mechanism: RE2 with a capped program size, whatever the
    input (a million characters against the catastrophic pattern)."""
    compiled = patterns.compile_pattern(EVIL)
    assert compiled.search("a" * 1_000_000 + "!") is None
    assert patterns._OPTIONS.max_mem == patterns.MAX_PROGRAM_BYTES


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"^(a)\1$", "backreferences"),
        (r"^(?=a)a$", "look-ahead"),
        (r"(?<!x)y", "look-behind"),
        ("a{2000}", "repetition"),
        ("(", "not a valid regular expression"),
        ("a" * 1001, "longer than 1000"),
    ],
)
def test_patterns_re2_cannot_run_are_refused_when_saved(pattern, reason):
    for document, pointer in (
        (_pattern_doc(pattern, fast=True), "/properties/code/pattern"),
        (
            _with(propertyNames={"patternProperties": {pattern: True}}),
            f"/propertyNames/patternProperties/{pattern}",
        ),
    ):
        with pytest.raises(ValidationError) as info:
            schema_document_check(document)
        messages = [e.message for e in info.value.error_list]
        assert any(m.startswith(f"At {pointer}:") and reason in m for m in messages), (
            messages
        )


def test_ecma_unicode_escapes_are_understood():
    document = _pattern_doc(r"^\u00e9+$", fast=True)
    schema_document_check(document)
    assert schema_data_errors(document, {"code": "éé"}) == {}
    assert schema_data_errors(document, {"code": "ee"})


def test_a_stored_pattern_re2_refuses_is_reported_not_run():
    document = _pattern_doc(r"^(a)\1$", fast=False)
    errors = schema_data_errors(document, {"code": "aa"})
    assert "cannot be used" in errors["__all__"][0].message
    field = schema_form_fields(document)["code"]
    with pytest.raises(ValidationError) as info:
        field.clean("aa")
    assert [e.code for e in info.value.error_list] == ["schema_unusable"]


# --- NUL characters and lone surrogates -----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"title": "\ud800"}, "/title"),
        ({"description": "ok\x00"}, "/description"),
    ],
)
def test_schema_text_with_nul_or_lone_surrogate_is_refused(changes, pointer):
    with pytest.raises(ValidationError) as info:
        schema_document_check(_with(**changes))
    [error] = info.value.error_list
    assert error.code == "schema_invalid"
    assert error.message.startswith(f"At {pointer}:")


def test_enum_value_with_nul_is_refused():
    document = _base()
    document["properties"]["locale"] = {"type": "string", "enum": ["en", "x\x00"]}
    with pytest.raises(ValidationError) as info:
        schema_document_check(document)
    assert info.value.error_list[0].message.startswith("At /properties/locale/enum/1:")


def test_user_data_with_nul_or_lone_surrogate_is_a_message():
    [nul] = schema_data_errors(USER_DATA, {**ANN, "nickname": "a\x00"})["nickname"]
    assert (nul.code, "NUL" in nul.message) == ("text_invalid", True)
    [lone] = schema_data_errors(USER_DATA, {**ANN, "name": "\udc00"})["name"]
    assert (lone.code, "surrogate" in lone.message) == ("text_invalid", True)


@pytest.mark.django_db
def test_create_user_service_refuses_nul_in_user_data(workspace, owner):
    pool = IdentityPoolFactory(workspace=workspace)
    with pytest.raises(ValidationError) as info:
        pool_user_create(
            pool=pool,
            actor=owner,
            identifier="ann@example.com",
            user_data={**ANN, "nickname": "A\x00"},
            mode="invite",
        )
    assert "user_data" in info.value.error_dict
    assert not PoolUser.objects.exists()
