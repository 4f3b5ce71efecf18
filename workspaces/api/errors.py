"""The API's error shape and the handlers that answer in it.

Every error is ``{"errors": [{"code", "message", "path"}]}`` with a stable
``code`` (the catalogue's): 400 for a request the rules refuse (``path`` is a
JSON pointer into the request, "" for the whole), 401 without a valid token, 403
for a missing scope, 404 for anything not in the token's workspace (missing and
foreign alike), 413 for a body over the limit, 429 with ``Retry-After`` when the
token is over its rate.

``EXCEPTION_HANDLERS`` maps each exception to its answer; the API root
(``config/api.py``) puts them on its NinjaAPI. Routes raise the exceptions, or
answer ``errors_response`` themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestShapeError
from ninja.renderers import JSONRenderer

from core.catalogue import json_pointer, message, wait_words


class ScopeMissing(Exception):
    def __init__(self, scope: str) -> None:
        self.scope = scope


class RateLimited(Exception):
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds


class TooLarge(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


# The API's renderer (django-ninja's default), so these answers are the routes'.
RENDERER = JSONRenderer()


def errors_response(request, status: int, errors: list[dict], headers=None):
    response = HttpResponse(
        RENDERER.render(request, {"errors": errors}, response_status=status),
        status=status,
        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_errors(exc: ValidationError, prefix: tuple = ()) -> list[dict]:
    """A Django ValidationError as the API's error list (field names become
    JSON pointers)."""
    if hasattr(exc, "error_dict"):
        return [
            {
                "code": error.code or "invalid",
                "message": " ".join(error.messages),
                "path": json_pointer(
                    [*prefix, *(field.split("__") if field != "__all__" else [])]
                ),
            }
            for field, errors in exc.error_dict.items()
            for error in errors
        ]
    return [
        {
            "code": error.code or "invalid",
            "message": " ".join(error.messages),
            "path": json_pointer(prefix),
        }
        for error in exc.error_list
    ]


def _refused(request, exc):
    return errors_response(request, 400, validation_errors(exc))


def _location(loc) -> str:
    """A pydantic error location as a JSON pointer: into the body for body
    fields (``("body", "payload", "name")`` → ``/name``), else with its source
    (``/query/limit``)."""
    parts = [str(part) for part in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:]
    return json_pointer(parts)


def _malformed(request, exc):
    errors = [
        {
            "code": "invalid",
            "message": error.get("msg", "Invalid value."),
            "path": _location(error.get("loc", ())),
        }
        for error in exc.errors
    ]
    return errors_response(request, 400, errors)


def _http_error(request, exc):
    """ninja's own refusals (e.g. a body that is not JSON) in our shape."""
    code = {400: "malformed", 413: "too_large"}.get(exc.status_code, "invalid")
    body = [{"code": code, "message": str(exc), "path": ""}]
    return errors_response(request, exc.status_code, body)


def _body_too_big(request, exc):
    body = [
        {
            "code": "too_large",
            "message": message(
                "api_body_too_large", max=settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            ),
            "path": "",
        }
    ]
    return errors_response(request, 413, body)


def api_not_found(request, *args, **kwargs):
    """Any other address under /api/v1/ (a path segment that is not an id, an
    unknown resource): 404 in the API's error shape."""
    return JsonResponse(
        {
            "errors": [
                {
                    "code": "not_found",
                    "message": message("api_no_such_address"),
                    "path": "",
                }
            ]
        },
        status=404,
    )


def _unauthenticated(request, exc):
    body = [
        {
            "code": "unauthenticated",
            "message": message("api_unauthenticated"),
            "path": "",
        }
    ]
    return errors_response(request, 401, body, {"WWW-Authenticate": "Bearer"})


def _forbidden(request, exc):
    body = [
        {
            "code": "scope_missing",
            "message": message("api_scope_missing", scope=exc.scope),
            "path": "",
        }
    ]
    return errors_response(request, 403, body)


def _not_found(request, exc):
    body = [
        {
            "code": "not_found",
            "message": message("api_not_found", what=str(exc) or "object"),
            "path": "",
        }
    ]
    return errors_response(request, 404, body)


def _rate_limited(request, exc):
    body = [
        {
            "code": "rate_limited",
            "message": message("api_rate_limited", wait=wait_words(exc.seconds)),
            "path": "",
        }
    ]
    return errors_response(request, 429, body, {"Retry-After": str(exc.seconds)})


def _too_large(request, exc):
    body = [{"code": "too_large", "message": exc.text, "path": ""}]
    return errors_response(request, 413, body)


EXCEPTION_HANDLERS = {
    ValidationError: _refused,
    RequestShapeError: _malformed,
    HttpError: _http_error,
    RequestDataTooBig: _body_too_big,
    AuthenticationError: _unauthenticated,
    ScopeMissing: _forbidden,
    Http404: _not_found,
    RateLimited: _rate_limited,
    TooLarge: _too_large,
}
