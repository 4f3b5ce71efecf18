"""Answers that skip what they do not need: the middleware of browser pages,
and the rendering of documents that rarely change.

``FastPathMiddleware`` serves the views marked ``fast_view`` (the OpenID
provider's discovery document, JWKS, userinfo and token endpoint: endpoints
that applications call, with no session, user, CSRF token or message)
without the middleware placed after it and without resolving the URL again:
the first request to a path goes the whole way, and when the URL
configuration sent it to a fast view, the path is remembered (per process;
the URL configuration does not change while it runs). Later GET and HEAD
requests to that path call the view directly, and POSTs too for a view
marked ``post=True`` that is exempt from the CSRF check, with what the
middleware after it would have added to such an answer (``X-Frame-Options``,
``Content-Length``, the client's address for audit events); whatever the
view raises for a missing object (``Http404``) takes the whole way again, so
not-found pages are answered as before. The middleware before it (security
headers, input hygiene, CSP) still run; the Content-Security-Policy header,
the same for every such answer, is made once per process. A fast view must
not read ``request.session``, ``request.user``, ``request.hosted_session``
or the messages, and must not need a CSRF check.

``Documents`` keeps rendered documents per process, each under the version it
was made from (what the caller reads in one small statement: the kids of the
published signing keys, the workspace's id). The version is read again at
most once per key and ``revalidate_seconds``, so that a change made by any
process of any node shows within that time without a statement on every
request (two round trips with Django's connection health check: more than
the rest of such a request), and the document is rendered again only when
its version changed. ``document_response`` answers one, with its ETag (304
when it matches).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.csp import CSP, build_policy

from core.db import replica_aliases
from core.request import RequestContextMiddleware

SAFE_METHODS = frozenset({"GET", "HEAD"})
# Paths remembered per process; past it the memory starts again (a slug per
# workspace and three fast views: far more than any deployment's workspaces).
MAX_ROUTES = 10_000


def fast_view(view, *, post: bool = False):
    """Mark the view function ``view`` (an ``as_view()``) as served by
    ``FastPathMiddleware`` for GET and HEAD, and for POST too when ``post``
    and the view is exempt from the CSRF check (an endpoint applications
    call with no cookie): see the module's docstring for what it must not
    use."""
    view.fastpath = True
    view.fastpath_post = post and getattr(view, "csrf_exempt", False)
    return view


class FastPathMiddleware:
    """Place it right after the middleware every answer needs (security,
    input hygiene, CSP) and before the session's: the middleware after it add
    nothing to a fast view's answer but ``X-Frame-Options`` (XFrameOptions),
    ``Content-Length`` (Common) and the request's context (the client's
    address: RequestContext), which it adds itself; and a POST's
    read-your-writes cookie (PrimaryAfterWrite), so POSTs take the whole way
    while replicas are configured."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.routes: dict = {}
        self.post = not replica_aliases()
        self.serve = RequestContextMiddleware(self._serve)

    def __call__(self, request):
        method = request.method
        if method in SAFE_METHODS or method == "POST":
            route = self.routes.get((settings.ROOT_URLCONF, request.path_info))
            if route is None:
                return self._learn(request)
            if method != "POST" or route[3]:
                # CommonMiddleware's check of the Host header (ALLOWED_HOSTS):
                # a disallowed one is refused (400), as on the whole way.
                request.get_host()
                request.fastpath_route = route
                return self.serve(request)
        return self.get_response(request)

    def _serve(self, request):
        view, args, kwargs, _post = request.fastpath_route
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return self._learn(request)  # the not-found page, as before
        return self.finish(response)

    def _learn(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and getattr(match.func, "fastpath", False):
            if len(self.routes) >= MAX_ROUTES:
                self.routes.clear()
            self.routes[(settings.ROOT_URLCONF, request.path_info)] = (
                match.func,
                match.args,
                match.kwargs,
                self.post and getattr(match.func, "fastpath_post", False),
            )
        return response

    @staticmethod
    def finish(response):
        """What XFrameOptionsMiddleware and CommonMiddleware add, and the
        Content-Security-Policy header made ahead of time (what
        ContentSecurityPolicyMiddleware, before this one, would build again
        for every answer)."""
        if response.get("X-Frame-Options") is None and not getattr(
            response, "xframe_options_exempt", False
        ):
            response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        for header, attribute, setting in CSP_HEADERS:
            if header not in response and not hasattr(response, attribute):
                policy = _policy(getattr(settings, setting))
                if policy:
                    response.headers[header] = policy
        return response


# The header, the response attribute that overrides its setting (the csp
# decorators), the setting.
CSP_HEADERS = (
    (str(CSP.HEADER_ENFORCE), "_csp_config", "SECURE_CSP"),
    (str(CSP.HEADER_REPORT_ONLY), "_csp_ro_config", "SECURE_CSP_REPORT_ONLY"),
)
_POLICIES: dict = {}  # id(configuration): (configuration, its header or "")


def _policy(config) -> str:
    """The header ``build_policy`` makes of ``config`` without a nonce, once
    per configuration object (settings overridden in tests are other
    objects); "" for a configuration that asks for a nonce (left to the
    middleware) or for none."""
    if not config:
        return ""
    cached = _POLICIES.get(id(config))
    if cached is not None and cached[0] is config:
        return cached[1]
    uses_nonce = any(
        values == CSP.NONCE
        or (isinstance(values, list | tuple | set) and CSP.NONCE in values)
        for values in config.values()
    )
    policy = "" if uses_nonce else build_policy(config)
    if len(_POLICIES) > 16:
        _POLICIES.clear()
    _POLICIES[id(config)] = (config, policy)
    return policy


@dataclass(frozen=True)
class Document:
    version: object
    body: bytes
    etag: str
    content_type: str


class Documents:
    """Rendered documents of this process by key, each made from one version
    of what it shows. A document is served as it is for ``revalidate_seconds``
    after its version was last read from the database (``fresh``); after that,
    the caller reads the version again and the document is kept only if it is
    the same (``confirmed``). So a change made by any process of any node
    shows within ``revalidate_seconds``, at the cost of one small statement
    per key and interval, not one per request; ``clear`` makes this process's
    own changes show at once."""

    def __init__(
        self,
        *,
        revalidate_seconds: float,
        max_entries: int = 10_000,
        clock=time.monotonic,
    ) -> None:
        self.revalidate_seconds = revalidate_seconds
        self.max_entries = max_entries
        self.clock = clock
        self.entries: dict = {}  # key: (document, checked until)

    def fresh(self, key) -> Document | None:
        """The document under ``key`` while its version was read less than
        ``revalidate_seconds`` ago; else None."""
        entry = self.entries.get(key)
        if entry is None or entry[1] <= self.clock():
            return None
        return entry[0]

    def confirmed(self, key, version) -> Document | None:
        """The document under ``key`` if it was made from ``version`` (just
        read: fresh again from now on); else None."""
        entry = self.entries.get(key)
        if entry is None or entry[0].version != version:
            return None
        self.entries[key] = (entry[0], self.clock() + self.revalidate_seconds)
        return entry[0]

    def put(self, key, version, body: bytes, content_type: str) -> Document:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        document = Document(version, body, etag, content_type)
        if key not in self.entries and len(self.entries) >= self.max_entries:
            self.entries.clear()
        self.entries[key] = (document, self.clock() + self.revalidate_seconds)
        return document

    def clear(self) -> None:
        self.entries.clear()


def document_response(request, document: Document, *, headers: dict) -> HttpResponse:
    """``document`` as the answer, with ``headers`` and its ETag; 304 without
    a body when the request's If-None-Match names it."""
    if document.etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(document.body, content_type=document.content_type)
    response["ETag"] = document.etag
    for name, value in headers.items():
        response[name] = value
    return response
