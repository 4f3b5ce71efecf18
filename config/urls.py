from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.api import api
from oidc.urls import PROVIDER_METADATA
from workspaces.api.errors import api_not_found

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workspaces:workspace_list")),
    path("admin/", admin.site.urls),
    path("console/", include("accounts.urls")),
    path("console/", include("workspaces.urls")),
    path("console/", include("identity_pools.urls")),
    path("console/", include("oidc.console_urls")),
    path("w/", include("accounts.hosted.urls")),
    path("w/", include("oidc.urls")),
    path("w/", include("oidc.hosted_urls")),
    *PROVIDER_METADATA,
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
]
