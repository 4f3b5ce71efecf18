from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from . import authorize, logout, views

app_name = "oidc"

WORKSPACE = "<slug:workspace>/"

urlpatterns = [
    path(
        WORKSPACE + ".well-known/openid-configuration",
        views.DiscoveryView.as_view(),
        name="discovery",
    ),
    path(WORKSPACE + ".well-known/jwks.json", views.JwksView.as_view(), name="jwks"),
    # Applications may POST the authorization request from their own pages.
    path(
        WORKSPACE + "authorize",
        csrf_exempt(authorize.AuthorizeView.as_view()),
        name="authorize",
    ),
    path(
        WORKSPACE + "authorize/continue",
        authorize.AuthorizeContinueView.as_view(),
        name="authorize_continue",
    ),
    path(WORKSPACE + "token", views.TokenView.as_view(), name="token"),
    path(WORKSPACE + "userinfo", views.UserInfoView.as_view(), name="userinfo"),
    path(WORKSPACE + "revoke", views.RevokeView.as_view(), name="revoke"),
    path(WORKSPACE + "introspect", views.IntrospectView.as_view(), name="introspect"),
    path(WORKSPACE + "logout", logout.EndSessionView.as_view(), name="end_session"),
]
