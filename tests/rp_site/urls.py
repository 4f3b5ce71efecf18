from __future__ import annotations

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("hello/", views.hello, name="hello"),
    path("failed/", views.failed, name="failed"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
