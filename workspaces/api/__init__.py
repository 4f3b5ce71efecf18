"""The REST API's shared plumbing (``/api/v1/``, django-ninja): what every app's
router stands on. A request is a workspace's because its token is one.

- ``auth``: ``TokenAuth`` (a workspace API token as ``Authorization: Bearer``,
  counted against the token's rate) and ``need(request, scope)``, which returns
  the token's workspace, the only one a route may see.
- ``errors``: the error shape ``{"errors": [{"code", "message", "path"}]}``, the
  exceptions routes raise, and ``EXCEPTION_HANDLERS``, which the API root puts
  on its NinjaAPI.
- ``parser``: ``StrictParser``, request bodies read as strict JSON
  (``core.strictjson``).
- ``shapes``: the error body's schema, the base of request bodies, opaque-cursor
  pages and the mapping of services' field names onto a request's.

Each app keeps its routers (``identity_pools/api/``); ``config/api.py`` builds
the NinjaAPI with ``TokenAuth``, the parser and the handlers, and mounts every router.
"""
