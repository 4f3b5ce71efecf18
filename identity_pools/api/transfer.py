"""``/api/v1/pools/{pool_id}/users/import`` and ``…/users/export``: bulk import
with existing password hashes, and the export that feeds it.

The import body is read from the stream (not ``request.body``, which Django caps
at 2.5 MB): ``application/json`` ``{"users": [...], "on_conflict", "dry_run",
"create_groups"}`` or ``application/x-ndjson``, one record a line, with the options
as query parameters (for JSON, a body option wins over the query parameter).
At most 10,000 records and 64 MB a request (413 otherwise). The answer is 200
with one result per record, whatever each record's fate; 400 only for a body
that is not JSON at all (JSON) or an option that is wrong.
"""

from __future__ import annotations

import uuid
from typing import Literal

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Router, Schema

from core import strictjson
from workspaces.api.auth import need
from workspaces.api.errors import TooLarge, errors_response
from workspaces.api.shapes import Errors, responses

from ..access import pool_access
from ..transfer.exports import (
    ndjson_lines,
    pool_users_export,
    pool_users_export_record,
)
from ..transfer.imports import (
    MAX_BYTES,
    ON_CONFLICT,
    ImportTooLarge,
    gc_paused,
    import_limits_check,
    pool_users_import,
)
from ..transfer.messages import json_text, text
from ..transfer.records import Unparsable
from ..transfer.schema import EXPORT_RESPONSE, IMPORT_BODY

router = Router(tags=["import and export"])

NDJSON = "application/x-ndjson"
JSON = "application/json"
OPTIONS = {"on_conflict", "dry_run", "create_groups"}


class RecordError(Schema):
    code: str
    message: str
    path: str


class ImportResult(Schema):
    index: int
    id: uuid.UUID | None
    outcome: Literal["created", "updated", "skipped", "error"]
    errors: list[RecordError]


class ImportOut(Schema):
    created: int
    updated: int
    skipped: int
    failed: int
    results: list[ImportResult]


def _parse(data: bytes | str):
    """A strict JSON value (``core.strictjson``) of UTF-8 ``data``, or
    ValueError saying why not."""
    try:
        return strictjson.loads(
            data.decode("utf-8") if isinstance(data, bytes) else data
        )
    except ValueError as exc:
        raise ValueError(str(exc)[:200] or "not JSON") from exc


def _body(request) -> bytes:
    """The body, refused by its announced length before it is read (a length
    that is not a number counts as too long), then by what was read."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    import_limits_check(size=int(length) if length.isdigit() else MAX_BYTES + 1)
    data = request.read(MAX_BYTES + 1)
    import_limits_check(size=len(data))
    return data


def _ndjson_records(data: bytes) -> list:
    lines = [line for line in data.split(b"\n") if line.strip()]
    import_limits_check(records=len(lines))  # before parsing any of them
    records = []
    for line in lines:
        try:
            records.append(_parse(line))
        except ValueError as exc:
            records.append(Unparsable(str(exc)))
    return records


def _bad(path: str, key: str, **params):
    return {"code": key.split(".", 1)[0], "message": text(key, **params), "path": path}


def _json_records(data: bytes, options: dict) -> tuple[list | None, list[dict]]:
    """The records of a JSON body, with its options put into ``options``."""
    try:
        body = _parse(data)
    except ValueError as exc:
        return None, [_bad("", "json_invalid.body", problem=str(exc))]
    if not isinstance(body, dict) or not isinstance(body.get("users"), list):
        return None, [_bad("/users" if isinstance(body, dict) else "", "body_invalid")]
    errors = [
        _bad(f"/{key}", "body_invalid")
        for key in body
        if key not in OPTIONS and key != "users"
    ]
    for key in OPTIONS & body.keys():
        options[key] = body[key]
    import_limits_check(records=len(body["users"]))  # before the options' errors
    return body["users"], errors


def _options_errors(options: dict) -> list[dict]:
    errors = []
    if options["on_conflict"] not in ON_CONFLICT:
        errors.append(
            _bad(
                "/on_conflict",
                "option_invalid",
                name="on_conflict",
                allowed="“error”, “skip” or “update”",
            )
        )
    for name in ("dry_run", "create_groups"):
        if not isinstance(options[name], bool):
            errors.append(
                _bad(f"/{name}", "option_invalid", name=name, allowed="true or false")
            )
    return errors


@router.post(
    "/{uuid:pool_id}/users/import",
    response=responses({200: ImportOut, 413: Errors, 415: Errors}),
    openapi_extra={"requestBody": IMPORT_BODY},
    summary="Import users",
)
def users_import(
    request,
    pool_id: uuid.UUID,
    on_conflict: Literal["error", "skip", "update"] = "error",
    dry_run: bool = False,
    create_groups: bool = False,
):
    """Create (or skip, or update) up to 10,000 users with their identifiers,
    user data, groups and passwords or existing password hashes. Each record's
    outcome is in ``results`` (in the order sent); a bad record never stops the
    others. Options: query parameters, or (JSON) fields of the body."""
    workspace = need(request, "import")
    pool = pool_access(workspace=workspace, pool_id=pool_id)
    options = {
        "on_conflict": on_conflict,
        "dry_run": dry_run,
        "create_groups": create_groups,
    }
    kind = request.content_type
    if kind not in (JSON, NDJSON):
        return errors_response(request, 415, [_bad("", "content_type_unsupported")])
    try:
        data = _body(request)
        with gc_paused():
            return _import(request, pool, kind, data, options)
    except ImportTooLarge as exc:
        raise TooLarge(str(exc)) from exc


def _import(request, pool, kind: str, data: bytes, options: dict):
    if kind == NDJSON:
        records, errors = _ndjson_records(data), []
    else:
        records, errors = _json_records(data, options)
    errors += _options_errors(options) if records is not None else []
    if errors:
        return errors_response(request, 400, errors)
    report = pool_users_import(
        pool=pool,
        actor=request.auth,
        records=records,
        on_conflict=options["on_conflict"],
        dry_run=options["dry_run"],
        create_groups=options["create_groups"],
        # JSON spells a NUL or a lone surrogate only with a \u escape.
        text_checked=b"\\u" not in data,
    )
    return HttpResponse(
        json_text(report.as_dict()),
        content_type=JSON,
    )


@router.get(
    "/{uuid:pool_id}/users/export",
    response=responses({}),
    openapi_extra={"responses": {"200": EXPORT_RESPONSE}},
    summary="Export users",
)
def users_export(request, pool_id: uuid.UUID, include_password_hashes: bool = False):
    """Every user of the pool as NDJSON, one import record a line, streamed.
    Password hashes only with ``include_password_hashes=true``, which needs the
    "import" scope as well as "read"."""
    workspace = need(request, "read")
    if include_password_hashes:
        need(request, "import")
    pool = pool_access(workspace=workspace, pool_id=pool_id)
    pool_users_export_record(
        pool=pool, actor=request.auth, include_password_hashes=include_password_hashes
    )
    records = pool_users_export(
        pool=pool, include_password_hashes=include_password_hashes
    )
    response = StreamingHttpResponse(ndjson_lines(records), content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="pool-{pool.pk}.ndjson"'
    return response
