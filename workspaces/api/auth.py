"""The API's door: a workspace API token as ``Authorization: Bearer <token>``,
its rate limit, and the scope a route needs. 401 without a valid token (the
API root's handlers), 403 for a missing scope, 429 over the token's rate."""

from __future__ import annotations

from django.conf import settings
from ninja.security import HttpBearer

from core import ratelimit

from ..api_tokens import api_token_authenticate
from .errors import RateLimited, ScopeMissing


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
