"""The OpenID provider's console screens (mounted under ``console/`` by
``config.urls``, namespace ``oidc_console``): identity providers,
applications with their "Try it", signing keys, and the user page's
"Sessions and applications" actions."""

from django.urls import path

from identity_pools.user_page import USER_PATH as USER

from . import (
    application_views,
    connection_views,
    signing_key_views,
    try_it_views,
    user_views,
)

app_name = "oidc_console"

urlpatterns = [
    path(
        "w/<slug:workspace>/identity-providers/",
        connection_views.IdpConnectionListView.as_view(),
        name="idp_connection_list",
    ),
    path(
        "w/<slug:workspace>/identity-providers/connect/",
        connection_views.IdpConnectView.as_view(),
        name="idp_connect",
    ),
    path(
        "w/<slug:workspace>/identity-providers/<uuid:connection>/disconnect/",
        connection_views.IdpDisconnectView.as_view(),
        name="idp_disconnect",
    ),
    # --- applications (OpenID Connect clients) ---
    path(
        "w/<slug:workspace>/applications/",
        application_views.ApplicationListView.as_view(),
        name="application_list",
    ),
    path(
        "w/<slug:workspace>/applications/new/",
        application_views.ApplicationCreateView.as_view(),
        name="application_create",
    ),
    path(
        "w/<slug:workspace>/applications/<uuid:application>/",
        application_views.ApplicationDetailView.as_view(),
        name="application_detail",
    ),
    path(
        "w/<slug:workspace>/applications/<uuid:application>/rotate-secret/",
        application_views.ApplicationRotateSecretView.as_view(),
        name="application_rotate_secret",
    ),
    path(
        "w/<slug:workspace>/applications/<uuid:application>/delete/",
        application_views.ApplicationDeleteView.as_view(),
        name="application_delete",
    ),
    path(
        "w/<slug:workspace>/applications/<uuid:application>/try/",
        try_it_views.ApplicationTryView.as_view(),
        name="application_try",
    ),
    path(
        "w/<slug:workspace>/applications/<uuid:application>/try/callback/",
        try_it_views.ApplicationTryCallbackView.as_view(),
        name="application_try_callback",
    ),
    # --- signing keys (the OpenID provider's) ---
    path(
        "w/<slug:workspace>/signing-keys/",
        signing_key_views.SigningKeyListView.as_view(),
        name="signing_key_list",
    ),
    path(
        "w/<slug:workspace>/signing-keys/rotate/",
        signing_key_views.SigningKeyRotateView.as_view(),
        name="signing_key_rotate",
    ),
    # --- a pool user's sessions and applications (on the user page) ---
    path(
        USER + "sessions/revoke/",
        user_views.PoolUserSessionRevokeView.as_view(),
        name="pool_user_session_revoke",
    ),
    path(
        USER + "applications/revoke/",
        user_views.PoolUserApplicationRevokeView.as_view(),
        name="pool_user_application_revoke",
    ),
]
