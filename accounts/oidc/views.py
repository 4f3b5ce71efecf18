"""The workspace's public signing keys (JWKS), for relying parties to verify
its tokens: public, cached by ETag (a conditional GET answers 304 without a
body) and for five minutes."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.views import View

from workspaces.signing_keys import signing_keys_ensure, workspace_jwks

from ..hosted.access import hosted_workspace

MAX_AGE = 300


class JwksView(View):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        workspace = hosted_workspace(slug=kwargs["workspace"])
        jwks = workspace_jwks(workspace=workspace)
        if not jwks["keys"]:  # the first request of a new workspace
            signing_keys_ensure(workspace=workspace)
            jwks = workspace_jwks(workspace=workspace)
        body = json.dumps(jwks, separators=(",", ":"), sort_keys=True).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type="application/jwk-set+json")
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        response["Access-Control-Allow-Origin"] = "*"  # public keys, read by SPAs
        return response
