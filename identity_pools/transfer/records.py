"""One import record, checked on its own: shape, identifiers (normalised as
everywhere else), status, user data and metadata against the pool's schemas,
password or password hash, groups by name, creation time. No database access:
what depends on other records or on the pool's rows is ``imports``' job.

The record shape (``records_schema`` documents it for OpenAPI)::

    {"id": "optional UUID", "identifiers": [{"type": "email", "value": "…",
     "verified": true}], "status": "active", "user_data": {}, "metadata": {},
     "groups": ["Staff"], "password": "…" | "password_hash": "…" | {…},
     "must_change_password": false, "created_at": "2024-05-01T09:30:00Z"}

Top-level keys starting with "_" are ignored (a file of failed records carries its
errors under "_errors" and can be fed back once fixed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from core.catalogue import json_pointer
from core.text import printable, text_problem

from ..identifiers import MAX_IDENTIFIERS, ParsedIdentifier, identifier_parse
from ..models import IdentityPool, PoolUser
from ..policies.passwords import password_policy_for
from ..user_schemas.data import (
    display_name_from,
    schema_data_checker,
    schema_data_validity_checker,
)
from .hashes import password_hash_encoded
from .messages import RecordProblem, problem

MAX_GROUPS = 100
MAX_GROUP_NAME = 100
STATUSES = tuple(PoolUser.Status.values)
FIELDS = frozenset(
    {
        "id",
        "identifiers",
        "status",
        "user_data",
        "metadata",
        "groups",
        "password",
        "password_hash",
        "must_change_password",
        "created_at",
    }
)
IDENTIFIER_FIELDS = frozenset({"type", "value", "verified"})


@dataclass(slots=True)
class Prepared:
    """A record that passed every check of its own."""

    index: int
    id: uuid.UUID | None
    # (type, normalised value, verified, index in the record)
    identifiers: list[tuple[str, str, bool, int]]
    status: str
    user_data: dict
    metadata: dict
    display_name: str
    groups: list[str]
    password: str | None
    password_hash: str | None
    must_change: bool
    created_at: datetime | None
    # Which of user_data, metadata, status the record gave (an update changes
    # only those).
    given: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_password(self) -> bool:
        return self.password is not None or self.password_hash is not None


class Unparsable:
    """A line that is not JSON (NDJSON): a record with this one error."""

    __slots__ = ("problem", "source")

    def __init__(self, problem: str, source: str = "") -> None:
        self.problem, self.source = problem, source


def _type(value: object, kind: type, expected: str, path: tuple) -> None:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise RecordProblem("type_invalid", path, expected=expected)


def _checker(document: dict, text_checked: bool) -> Callable[[object], dict]:
    full = schema_data_checker(document)
    if not text_checked:
        return full
    valid = schema_data_validity_checker(document)
    return lambda data: {} if valid(data) else full(data)


def _errors_of(check: Callable[[object], dict], data: object, name: str) -> list[dict]:
    found = []
    for key, errors in check(data).items():
        path = (name,) if key == "__all__" else (name, key)
        for error in errors:
            found.append(
                {
                    "code": error.code or "invalid",
                    "message": " ".join(error.messages),
                    "path": json_pointer(path),
                }
            )
    return found


class RecordChecker:
    """Checks records for one pool (its schemas compiled once).

    ``text_checked``: the caller knows that no string in the records holds a NUL
    character or a lone surrogate (a JSON text without any ``\\u`` escape cannot
    spell them), so valid data is recognised by the schema's yes/no check alone
    and the full check (which walks the text first) runs only for data that
    fails, to word the errors."""

    def __init__(self, pool: IdentityPool, *, text_checked: bool = False) -> None:
        self.user_data_check = _checker(pool.user_schema.document, text_checked)
        self.metadata_check = _checker(pool.metadata_schema.document, text_checked)
        self.max_hash_cost = password_policy_for(pool).imported_hash_max_cost

    def __call__(self, index: int, raw: object) -> tuple[Prepared | None, list[dict]]:
        """The prepared record, or None and its errors."""
        if isinstance(raw, Unparsable):
            return None, [problem("json_invalid.line", problem=raw.problem)]
        if not isinstance(raw, dict):
            return None, [problem("record_invalid")]
        errors: list[dict] = []
        for key in raw:
            if key not in FIELDS and not (isinstance(key, str) and key[:1] == "_"):
                errors.append(problem("field_unknown", (key,), key=printable(key)))
        values: dict = {}
        for name, step in (
            ("id", self._id),
            ("identifiers", self._identifiers),
            ("status", self._status),
            ("user_data", self._user_data),
            ("metadata", self._metadata),
            ("groups", self._groups),
            ("password", self._password),
            ("must_change_password", self._must_change),
            ("created_at", self._created_at),
        ):
            try:
                values[name] = step(raw, errors)
            except RecordProblem as exc:
                errors.append(exc.as_error())
        if errors:
            return None, errors
        password, password_hash = values["password"]
        user_data = values["user_data"]
        return Prepared(
            index=index,
            id=values["id"],
            identifiers=values["identifiers"],
            status=values["status"],
            user_data=user_data,
            metadata=values["metadata"],
            display_name=display_name_from(user_data),
            groups=values["groups"],
            password=password,
            password_hash=password_hash,
            must_change=values["must_change_password"],
            created_at=values["created_at"],
            given=frozenset(k for k in ("user_data", "metadata", "status") if k in raw),
        ), []

    # --- one step each; a step raises RecordProblem or appends to ``errors`` ------

    def _id(self, raw: dict, errors: list) -> uuid.UUID | None:
        value = raw.get("id")
        if value is None:
            return None
        _type(value, str, "a UUID", ("id",))
        try:
            return uuid.UUID(value)
        except ValueError as exc:
            raise RecordProblem("id_invalid", ("id",), value=value[:60]) from exc

    def _identifiers(self, raw: dict, errors: list) -> list:
        items = raw.get("identifiers")
        if not items:
            raise RecordProblem("identifiers_required", ("identifiers",))
        _type(items, list, "a list of identifiers", ("identifiers",))
        if len(items) > MAX_IDENTIFIERS:
            raise RecordProblem(
                "identifiers_too_many", ("identifiers",), max=MAX_IDENTIFIERS
            )
        found, seen = [], set()
        for i, item in enumerate(items):
            path = ("identifiers", i)
            try:
                parsed = _identifier(item, path)
            except RecordProblem as exc:
                errors.append(exc.as_error())
                continue
            key = (parsed[0], parsed[1])
            if key in seen:
                errors.append(problem("duplicate.in_record", (*path, "value")))
                continue
            seen.add(key)
            found.append((*parsed, i))
        return found

    def _status(self, raw: dict, errors: list) -> str:
        value = raw.get("status", PoolUser.Status.ACTIVE)
        if value not in STATUSES:
            raise RecordProblem("status_invalid.import", ("status",))
        return value

    def _user_data(self, raw: dict, errors: list) -> dict:
        data = raw.get("user_data", {})
        errors += _errors_of(self.user_data_check, data, "user_data")
        return data

    def _metadata(self, raw: dict, errors: list) -> dict:
        data = raw.get("metadata", {})
        errors += _errors_of(self.metadata_check, data, "metadata")
        return data

    def _groups(self, raw: dict, errors: list) -> list[str]:
        names = raw.get("groups", [])
        _type(names, list, "a list of group names", ("groups",))
        if len(names) > MAX_GROUPS:
            raise RecordProblem(
                "type_invalid", ("groups",), expected="100 names at most"
            )
        found = []
        for i, name in enumerate(names):
            if not isinstance(name, str):
                errors.append(problem("type_invalid", ("groups", i), expected="text"))
                continue
            name = name.strip()
            if text_problem(name):
                errors.append(_unsafe(name, ("groups", i)).as_error())
                continue
            if not name or len(name) > MAX_GROUP_NAME:
                errors.append(
                    problem("group_name_invalid", ("groups", i), name=name[:110])
                )
                continue
            found.append(name)
        return found

    def _password(self, raw: dict, errors: list) -> tuple[str | None, str | None]:
        password, hashed = raw.get("password"), raw.get("password_hash")
        if password is not None and hashed is not None:
            raise RecordProblem("password_conflict", ("password_hash",))
        if password is not None:
            _type(password, str, "text", ("password",))
            if not password:
                raise RecordProblem("password_empty", ("password",))
            if text_problem(password):
                raise _unsafe(password, ("password",))
            return password, None
        if hashed is not None:
            return None, password_hash_encoded(hashed, max_cost=self.max_hash_cost)
        return None, None

    def _must_change(self, raw: dict, errors: list) -> bool:
        value = raw.get("must_change_password", False)
        _type(value, bool, "true or false", ("must_change_password",))
        return value

    def _created_at(self, raw: dict, errors: list) -> datetime | None:
        value = raw.get("created_at")
        if value is None:
            return None
        _type(value, str, "a date and time", ("created_at",))
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise RecordProblem("created_at_invalid", ("created_at",), value=value[:60])
        return parsed


def _identifier(item: object, path: tuple) -> tuple[str, str, bool]:
    _type(item, dict, 'an object: {"type": "email", "value": "…"}', path)
    for key in item:
        if key not in IDENTIFIER_FIELDS:
            raise RecordProblem("field_unknown", (*path, key), key=printable(key))
    value = item.get("value")
    _type(value, str, "text", (*path, "value"))
    parsed = _parsed(value, path)
    kind = item.get("type")
    if kind is not None and kind != parsed.type:
        raise RecordProblem(
            "identifier_type_mismatch", (*path, "type"), value=value[:60], type=kind
        )
    verified = item.get("verified", False)
    _type(verified, bool, "true or false", (*path, "verified"))
    return parsed.type, parsed.value, verified


def _parsed(value: str, path: tuple) -> ParsedIdentifier:
    try:
        return identifier_parse(value)
    except ValidationError as exc:
        raise RecordProblem(
            "api_invalid",
            (*path, "value"),
            code=exc.error_list[0].code or "identifier_invalid",
            detail=" ".join(exc.messages),
        ) from exc


def _unsafe(value: str, path: tuple) -> RecordProblem:
    """NUL characters and lone surrogates (``core.text``): user data and metadata
    are checked by the schema check, identifiers by their parser, hashes by their
    shape; group names and passwords here."""
    return RecordProblem(
        f"text_invalid.{text_problem(value)}", path, subject="At " + json_pointer(path)
    )
