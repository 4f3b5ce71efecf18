"""The REST API's root, ``/api/v1/``: one NinjaAPI authenticated by workspace
API tokens, reading bodies as strict JSON and answering errors in one shape (all
three from ``workspaces.api``), with every app's routers mounted. ``config/urls.py`` includes ``api.urls``."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from identity_pools.api import groups, pools, schemas, transfer, users
from oidc import api as oidc_api
from workspaces.api.auth import TokenAuth
from workspaces.api.errors import EXCEPTION_HANDLERS
from workspaces.api.parser import StrictParser

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
    parser=StrictParser(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    urls_namespace="api",
)
for exception, handler in EXCEPTION_HANDLERS.items():
    api.add_exception_handler(exception, handler)

# Each app's routers (one module per resource), in this order: the first
# route that matches a path answers it.
api.add_router("/pools", pools.router)
api.add_router("/pools", users.router)
api.add_router("/pools", groups.router)
api.add_router("/schemas", schemas.router)
api.add_router("/pools", transfer.router)
api.add_router("/identity-providers", oidc_api.idp_router)
api.add_router("/applications", oidc_api.router)
