"""The API object, its token authentication, scopes, rate limit and error shape.

Every error is ``{"errors": [{"code", "message", "path"}]}`` with a stable
``code`` (the catalogue's): 400 for a request the rules refuse (``path`` is a
JSON pointer into the request, "" for the whole), 401 without a valid token, 403
for a missing scope, 404 for anything not in the token's workspace (missing and
foreign alike), 413 for a body over the limit, 429 with ``Retry-After`` when the
token is over its rate.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestShapeError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from accounts.api_tokens import api_token_authenticate
from core import ratelimit
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


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: sets ``request.auth`` to the ApiToken
    (its workspace loaded) and counts the request against the token's rate."""

    openapi_description = "A workspace API token (console: workspace → API tokens)."

    def authenticate(self, request, token):
        found = api_token_authenticate(token)
        if found is None:
            return None
        limit = ratelimit.Limit(f"api:{found.pk}", settings.API_REQUESTS_PER_MINUTE, 60)
        if ratelimit.hit(limit) > limit.max_events:
            raise RateLimited(max(1, ratelimit.retry_after(limit)))
        return found


def need(request, scope: str):
    """The request's token, when it has ``scope`` (else 403). Returns the
    token's workspace, the only one the request may see."""
    if not request.auth.allows(scope):
        raise ScopeMissing(scope)
    return request.auth.workspace


api = NinjaAPI(
    title="Identity Pools API",
    version="1",
    description=(
        "Pools, user schemas, users, identifiers, invitations, groups, bulk import "
        "and export of one workspace. Authenticate with a workspace API token: "
        "`Authorization: Bearer <token>`. Errors are "
        '`{"errors": [{"code", "message", "path"}]}`.'
    ),
    auth=TokenAuth(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    urls_namespace="api",
)


def errors_response(request, status: int, errors: list[dict], headers=None):
    response = api.create_response(request, {"errors": errors}, status=status)
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


@api.exception_handler(ValidationError)
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


@api.exception_handler(RequestShapeError)
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


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """ninja's own refusals (e.g. a body that is not JSON) in our shape."""
    code = {400: "malformed", 413: "too_large"}.get(exc.status_code, "invalid")
    body = [{"code": code, "message": str(exc), "path": ""}]
    return errors_response(request, exc.status_code, body)


@api.exception_handler(RequestDataTooBig)
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


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    body = [
        {
            "code": "unauthenticated",
            "message": message("api_unauthenticated"),
            "path": "",
        }
    ]
    return errors_response(request, 401, body, {"WWW-Authenticate": "Bearer"})


@api.exception_handler(ScopeMissing)
def _forbidden(request, exc):
    body = [
        {
            "code": "scope_missing",
            "message": message("api_scope_missing", scope=exc.scope),
            "path": "",
        }
    ]
    return errors_response(request, 403, body)


@api.exception_handler(Http404)
def _not_found(request, exc):
    body = [
        {
            "code": "not_found",
            "message": message("api_not_found", what=str(exc) or "object"),
            "path": "",
        }
    ]
    return errors_response(request, 404, body)


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    body = [
        {
            "code": "rate_limited",
            "message": message("api_rate_limited", wait=wait_words(exc.seconds)),
            "path": "",
        }
    ]
    return errors_response(request, 429, body, {"Retry-After": str(exc.seconds)})


@api.exception_handler(TooLarge)
def _too_large(request, exc):
    body = [{"code": "too_large", "message": exc.text, "path": ""}]
    return errors_response(request, 413, body)


# The resources register their routers here (one module each).
from . import groups, pools, schemas, users  # noqa: E402

api.add_router("/pools", pools.router)
api.add_router("/pools", users.router)
api.add_router("/pools", groups.router)
api.add_router("/schemas", schemas.router)
from . import transfer  # noqa: E402

api.add_router("/pools", transfer.router)
# The OpenID provider's router, until the config-level API root mounts each
# app's router (issue 21): the one import of ``oidc`` below it.
from oidc import api as oidc_api  # noqa: E402

api.add_router("/identity-providers", oidc_api.idp_router)
api.add_router("/applications", oidc_api.router)
