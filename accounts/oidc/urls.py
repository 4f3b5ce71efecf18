from django.urls import path

from . import views

app_name = "oidc"

urlpatterns = [
    path(
        "<slug:workspace>/.well-known/jwks.json",
        views.JwksView.as_view(),
        name="jwks",
    ),
]
