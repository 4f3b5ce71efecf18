from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.hosted.prefix import WORKSPACE
from core.fastpath.responses import fast_view

from . import authorize, logout, views

app_name = "oidc"

# RFC 8414 §3.1: the authorization server metadata of the issuer
# PUBLIC_URL/w/<workspace> is at PUBLIC_URL/.well-known/
# oauth-authorization-server/w/<workspace> (the well-known part inserted after
# the host); included at the site's root by ``config.urls``.
PROVIDER_METADATA = [
    path(
        ".well-known/oauth-authorization-server/w/<slug:workspace>",
        fast_view(views.DiscoveryView.as_view()),
        name="oauth_authorization_server",
    )
]

urlpatterns = [
    path(
        WORKSPACE + ".well-known/openid-configuration",
        fast_view(views.DiscoveryView.as_view()),
        name="discovery",
    ),
    # RFC 8414's name for the same document, under the issuer (its own
    # place, after the host, is ``config.urls``'s: PROVIDER_METADATA).
    path(
        WORKSPACE + ".well-known/oauth-authorization-server",
        fast_view(views.DiscoveryView.as_view()),
        name="oauth_metadata",
    ),
    path(
        WORKSPACE + ".well-known/jwks.json",
        fast_view(views.JwksView.as_view()),
        name="jwks",
    ),
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
    # Applications call these with no cookie: POSTs skip the pages' middleware too.
    path(
        WORKSPACE + "token",
        fast_view(views.TokenView.as_view(), post=True),
        name="token",
    ),
    path(
        WORKSPACE + "userinfo",
        fast_view(views.UserInfoView.as_view(), post=True),
        name="userinfo",
    ),
    path(WORKSPACE + "revoke", views.RevokeView.as_view(), name="revoke"),
    path(WORKSPACE + "introspect", views.IntrospectView.as_view(), name="introspect"),
    path(WORKSPACE + "logout", logout.EndSessionView.as_view(), name="end_session"),
]
