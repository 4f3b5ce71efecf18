"""Request middleware that applies project-wide rules before any view runs."""

from __future__ import annotations

import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .text import printable, text_problem, text_problem_message

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
API_PREFIX = "/api/"  # answered in the REST API's JSON error shape
# The OpenID provider's endpoints for applications: answered as OAuth errors.
OAUTH_ENDPOINT = re.compile(r"^/w/[^/]+/(token|revoke|introspect|userinfo)$")


def request_text_problem(request) -> str | None:
    """The message for the first query parameter, form field or path that breaks
    the input-hygiene rule (``core.text``), or None."""
    problem = text_problem(request.path)
    if problem:
        return text_problem_message(problem, subject=_("The address"))
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            for text in (key, *values):
                problem = text_problem(text)
                if problem:
                    return text_problem_message(
                        problem, subject=_("The field “%s”") % printable(key)
                    )
    return None


class InputHygieneMiddleware:
    """Answers 400, with a message that names the field, when a query parameter,
    form field or the path contains a NUL character or a lone surrogate. No view
    (and so no database query) ever sees such text. Place it before the session
    and CSRF middleware, so that nothing reads the request first."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        problem = request_text_problem(request)
        if problem and request.path.startswith(API_PREFIX):
            error = {"code": "text_invalid", "message": problem, "path": ""}
            return JsonResponse({"errors": [error]}, status=400)
        if problem and OAUTH_ENDPOINT.match(request.path):
            error = {"error": "invalid_request", "error_description": problem}
            return JsonResponse(
                error, status=400, headers={"Cache-Control": "no-store"}
            )
        if problem:
            return render(request, "bad_input.html", {"problem": problem}, status=400)
        return self.get_response(request)
