from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from accounts.oidc.urls import PROVIDER_METADATA
from identity_pools.api import api
from identity_pools.api.base import api_not_found

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workspaces:workspace_list")),
    path("admin/", admin.site.urls),
    path("console/", include("accounts.urls")),
    path("console/", include("workspaces.urls")),
    path("console/", include("identity_pools.urls")),
    path("w/", include("accounts.hosted.urls")),
    path("w/", include("accounts.oidc.urls")),
    *PROVIDER_METADATA,
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
]
