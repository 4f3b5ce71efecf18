"""The directory's routers of the REST API (``/api/v1/``, django-ninja): pools,
schemas, users, identifiers, invitations, groups, bulk import and export. The
endpoints call the console's services, so rules, counters and audit events are
the same. Token auth, scopes, the error shape and the shared shapes come from
``workspaces.api``; ``config/api.py`` mounts the routers."""
