from django.urls import include, path

from .schema_urls import urlpatterns as schema_urlpatterns

app_name = "identity_pools"

urlpatterns = [
    path("", include(schema_urlpatterns)),
]
