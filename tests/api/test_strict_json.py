"""One strict JSON reader (``core.strictjson``) for outside input: each rule on
its own, then through the API's request bodies (the API root's parser), the
API's import, and the import files (``manage.py import_users``)."""

from __future__ import annotations

import io
import json

import pytest

from config.api import api
from core import strictjson
from identity_pools.transfer.files import read_records
from identity_pools.transfer.records import Unparsable
from tests.api.test_api_pools import codes
from tests.factories import PASSWORD
from workspaces.api.parser import StrictParser

DEEP = "[" * 100_000 + "]" * 100_000

# (text, the rule's kind): each refused by every entry point.
REFUSED = [
    ('{"a": 1, "a": 2}', strictjson.DUPLICATE_KEY),
    ('{"a": {"b": 1, "c": 2, "b": 3}}', strictjson.DUPLICATE_KEY),
    ('{"a": NaN}', strictjson.VALUE),
    ('{"a": Infinity}', strictjson.VALUE),
    ('{"a": -Infinity}', strictjson.VALUE),
    ('{"a": 1e999}', strictjson.VALUE),
    ('{"a": ' + "1" * 5000 + "}", strictjson.VALUE),
    ('{"a": ' + DEEP + "}", strictjson.VALUE),
    ('{"a": }', strictjson.SYNTAX),
]
IDS = [
    "duplicate",
    "nested-duplicate",
    "nan",
    "infinity",
    "minus-infinity",
    "overflow",
    "long-integer",
    "deep",
    "syntax",
]


@pytest.mark.parametrize(("text", "kind"), REFUSED, ids=IDS)
def test_strict_loads_refuses_each_rule(text, kind):
    with pytest.raises(strictjson.JSONProblem) as refused:
        strictjson.loads(text)
    assert refused.value.kind == kind
    assert isinstance(refused.value, ValueError)


def test_strict_loads_says_which_key_and_where():
    with pytest.raises(strictjson.JSONProblem) as twice:
        strictjson.loads('{"name": 1, "name": 2}')
    assert twice.value.key == "name"
    with pytest.raises(strictjson.JSONProblem) as syntax:
        strictjson.loads('{\n  "a": ,\n}')
    assert (syntax.value.line, syntax.value.column) == (2, 8)
    assert syntax.value.problem == "Expecting value"


def test_strict_loads_bounds_the_text_when_asked():
    with pytest.raises(strictjson.JSONProblem) as refused:
        strictjson.loads('{"a": "' + "x" * 100 + '"}', max_chars=50)
    assert (refused.value.kind, refused.value.length, refused.value.limit) == (
        strictjson.TOO_LONG,
        109,
        50,
    )


def test_strict_loads_reads_what_json_reads():
    text = '{"a": [1, 2.5, -0.0, 1e300, true, null, "\\u00e9"], "b": {"a": 1}}'
    assert strictjson.loads(text) == json.loads(text)
    assert strictjson.loads(text.encode("utf-16")) == json.loads(text)
    # Text that cannot be stored is JSON; core.text says where it is.
    assert strictjson.loads('"a\\u0000\\ud800"') == "a\x00\ud800"


def test_strict_raw_decode_reads_a_stream_of_values():
    assert strictjson.raw_decode('[1] {"a": 2}', 4) == ({"a": 2}, 12)
    with pytest.raises(strictjson.JSONProblem):
        strictjson.raw_decode('{"a": 1, "a": 2}')


def test_the_api_reads_bodies_with_the_strict_parser():
    assert isinstance(api.parser, StrictParser)


# --- through the API: a request body of any route -----------------------------

# A user to create, with ANN where the given name goes.
USER = (
    '{"identifiers": [{"value": "ann@example.com"}], "password": "' + PASSWORD + '", '
    '"user_data": {"given_name": ANN, "family_name": "Lee", "name": "Ann Lee"}}'
)


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "kind"), REFUSED, ids=IDS)
def test_api_body_refuses_each_rule(api_client, pool, text, kind):
    body = USER.replace("ANN", '"Ann", "x": ' + text)
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert codes(response) == ["malformed"]
    assert not pool.users.exists()


@pytest.mark.django_db
def test_api_body_without_the_rules_is_accepted(api_client, pool):
    body = USER.replace("ANN", '"Ann"')
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("text", ['"A\\u0000"', '"A\\ud800"'], ids=["nul", "surrogate"])
def test_api_body_text_that_cannot_be_stored_is_refused_where_it_is(
    api_client, pool, text
):
    body = USER.replace("ANN", text)
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert codes(response) == ["invalid"]
    assert response.json()["errors"][0]["path"] == "/user_data/given_name"


# --- through the API's import: a JSON body, NDJSON lines -------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "kind"), REFUSED, ids=IDS)
def test_api_import_json_body_refuses_each_rule(api_client, pool, text, kind):
    body = '{"users": [{"user_data": {"x": ' + text + "}}]}"
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users/import", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert codes(response) == ["json_invalid"]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "kind"), REFUSED, ids=IDS)
def test_api_import_ndjson_line_refuses_each_rule(api_client, pool, text, kind):
    body = '{"user_data": {"x": ' + text + "}}\n"
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users/import",
        body,
        content_type="application/x-ndjson",
    )
    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert result["outcome"] == "error"
    assert [e["code"] for e in result["errors"]] == ["json_invalid"]


# --- through the files of manage.py import_users ---------------------------------

RECORD = '{"user_data": {"x": X}}'


@pytest.mark.parametrize(("text", "kind"), REFUSED, ids=IDS)
def test_import_file_ndjson_line_refuses_each_rule(text, kind):
    lines = ['{"id": 1}', RECORD.replace("X", text), '{"id": 3}']
    records = list(read_records(io.BytesIO("\n".join(lines).encode()), "ndjson"))
    assert records[0] == {"id": 1} and records[2] == {"id": 3}
    assert isinstance(records[1], Unparsable)


@pytest.mark.parametrize(("text", "kind"), REFUSED, ids=IDS)
def test_import_file_json_array_refuses_each_rule(text, kind):
    data = '[{"id": 1}, ' + RECORD.replace("X", text) + "]"
    records = read_records(io.BytesIO(data.encode()), "json")
    assert next(records) == {"id": 1}
    with pytest.raises(Exception, match="not valid JSON"):
        next(records)


def test_import_file_json_array_stops_at_a_refused_record_without_reading_on():
    """A record that breaks a rule is refused where it is: the rest of the file
    is not read into memory first (only a syntax error can be a record cut by
    the end of what was read)."""

    class File(io.BytesIO):
        read_to = 0

        def close(self):
            self.read_to = self.tell()
            super().close()

    rest = ",".join(['{"id": ' + str(i) + "}" for i in range(400_000)])
    data = ('[{"id": 1}, {"a": 1, "a": 2}, ' + rest + "]").encode()
    binary = File(data)
    records = read_records(binary, "json")
    assert next(records) == {"id": 1}
    with pytest.raises(Exception, match="appears twice"):
        next(records)
    read_to = binary.read_to if binary.closed else binary.tell()
    assert read_to < len(data) // 2


def test_import_file_csv_json_cell_keeps_a_refused_text_as_text():
    data = 'email,user_data\nann@example.com,"{""a"": 1, ""a"": 2}"\n'
    [record] = read_records(io.BytesIO(data.encode()), "csv")
    assert record["user_data"] == '{"a": 1, "a": 2}'
