"""Files of import records for the management commands, read and written as
streams (a file of millions of users never has to fit in memory).

Formats: NDJSON (one record a line), a JSON array of records (read incrementally),
and CSV with this header (any order; empty cells are left out)::

    id, email, email_verified, phone, phone_verified, status,
    user_data, user_data.<name>…, metadata, metadata.<name>…,
    groups, password, password_hash, must_change_password, created_at

``user_data`` and ``metadata`` hold a JSON object; ``user_data.given_name`` and
the like hold one text value each (merged over the object). ``groups`` are names
separated by ";". ``password_hash`` is a hash string, or a JSON object (it starts
with "{"). Booleans are true/false (also 1/0, yes/no). A CSV row becomes the
record it describes; the failed-records file is NDJSON whatever the input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

from core import strictjson

from .messages import json_text
from .records import Unparsable

FORMATS = ("ndjson", "json", "csv")
CSV_COLUMNS = (
    "id",
    "email",
    "email_verified",
    "phone",
    "phone_verified",
    "status",
    "user_data",
    "metadata",
    "groups",
    "password",
    "password_hash",
    "must_change_password",
    "created_at",
)
CSV_PREFIXES = ("user_data.", "metadata.")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
READ_SIZE = 1 << 20


class FormatError(Exception):
    """The file cannot be read as the format (the message says why)."""


def format_of(name: str, given: str | None) -> str:
    if given:
        return given
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".json"):
        return "json"
    return "ndjson"


def read_records(binary: IO[bytes], fmt: str) -> Iterator[object]:
    """The file's records, in order: parsed JSON values (dicts when well
    formed), or ``Unparsable`` for a line or value that is not JSON."""
    if fmt == "ndjson":
        return _ndjson(binary)
    if fmt == "json":
        return _json_array(binary)
    return _csv(binary)


def _ndjson(binary: IO[bytes]) -> Iterator[object]:
    for line in binary:
        if not line.strip():
            continue
        try:
            yield strictjson.loads(line.decode("utf-8-sig"))
        except ValueError as exc:
            yield Unparsable(str(exc)[:200], line.decode("utf-8", "replace").strip())


def _json_array(binary: IO[bytes]) -> Iterator[object]:
    text = io.TextIOWrapper(binary, encoding="utf-8-sig")
    buf, pos, eof = "", 0, False

    def more() -> bool:
        nonlocal buf, pos, eof
        chunk = text.read(READ_SIZE)
        if not chunk:
            eof = True
            return False
        buf, pos = buf[pos:] + chunk, 0
        return True

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or not more():
                return buf[pos] if pos < len(buf) else ""

    if skip_space() != "[":
        raise FormatError("a JSON array file starts with “[”")
    pos += 1
    first = True
    while True:
        char = skip_space()
        if char == "]":
            return
        if not first:
            if char != ",":
                raise FormatError(f"expected “,” or “]”, found {char or 'the end'!r}")
            pos += 1
            skip_space()
        first = False
        while True:
            try:
                value, end = strictjson.raw_decode(buf, pos)
            except strictjson.JSONProblem as exc:
                # Only a syntax error can be a value cut by the chunk's end; a
                # key twice or a NaN stays wrong however much more is read.
                if exc.kind == strictjson.SYNTAX and not eof and more():
                    continue
                raise FormatError(f"a record is not valid JSON: {exc}") from exc
            if end == len(buf) and not eof and more():
                continue  # a number or word may go on in the next chunk
            break
        pos = end
        yield value


def _boolean(value: str):
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value  # the import says what is wrong with it


def _json_cell(value: str):
    try:
        return strictjson.loads(value)
    except ValueError:
        return value  # the import reports its type


def csv_header_problems(fields: list[str]) -> list[str]:
    return [
        name
        for name in fields
        if name not in CSV_COLUMNS and not name.startswith(CSV_PREFIXES)
    ]


def _csv(binary: IO[bytes]) -> Iterator[object]:
    reader = csv.DictReader(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""))
    unknown = csv_header_problems(reader.fieldnames or [])
    if unknown:
        raise FormatError(
            f"unknown columns {', '.join(unknown)}; the columns are "
            f"{', '.join(CSV_COLUMNS)}, user_data.<name> and metadata.<name>"
        )
    for row in reader:
        yield csv_record(row)


def csv_record(row: dict) -> dict:
    """The import record a CSV row describes."""
    cells = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
    record: dict = {}
    identifiers = []
    for kind in ("email", "phone"):
        if kind in cells:
            item = {"type": kind, "value": cells[kind]}
            if f"{kind}_verified" in cells:
                item["verified"] = _boolean(cells[f"{kind}_verified"])
            identifiers.append(item)
    if identifiers:
        record["identifiers"] = identifiers
    for name in ("id", "status", "password", "created_at"):
        if name in cells:
            record[name] = cells[name]
    for name in ("user_data", "metadata"):
        data = _json_cell(cells[name]) if name in cells else {}
        extra = {
            key[len(name) + 1 :]: value
            for key, value in cells.items()
            if key.startswith(name + ".")
        }
        if extra and isinstance(data, dict):
            data = {**data, **extra}
        if name in cells or extra:
            record[name] = data
    if "groups" in cells:
        record["groups"] = [g.strip() for g in cells["groups"].split(";") if g.strip()]
    if "password_hash" in cells:
        value = cells["password_hash"].strip()
        record["password_hash"] = _json_cell(value) if value.startswith("{") else value
    if "must_change_password" in cells:
        record["must_change_password"] = _boolean(cells["must_change_password"])
    return record


def failed_line(raw: object, errors: list[dict], index: int) -> str:
    """A failed record for the failures file: the record with "_index" (its
    position in the input, from 0) and "_errors"; the import ignores both."""
    if isinstance(raw, dict):
        record = {k: v for k, v in raw.items() if k not in ("_errors", "_index")}
    elif isinstance(raw, Unparsable):
        record = {"_text": raw.source}
    else:
        record = {"_value": raw}
    record["_index"] = index
    record["_errors"] = errors
    return json_text(record) + "\n"
