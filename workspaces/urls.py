from django.urls import path

from . import (
    api_token_views,
    application_views,
    connection_views,
    signing_key_views,
    views,
)

app_name = "workspaces"

urlpatterns = [
    path("", views.WorkspaceListView.as_view(), name="workspace_list"),
    path(
        "workspaces/new/", views.WorkspaceCreateView.as_view(), name="workspace_create"
    ),
    path(
        "invitations/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "w/<slug:workspace>/",
        views.WorkspaceDashboardView.as_view(),
        name="workspace_dashboard",
    ),
    path(
        "w/<slug:workspace>/settings/",
        views.WorkspaceSettingsView.as_view(),
        name="workspace_settings",
    ),
    path(
        "w/<slug:workspace>/members/",
        views.MemberListView.as_view(),
        name="member_list",
    ),
    path(
        "w/<slug:workspace>/members/<uuid:membership>/role/",
        views.MembershipRoleView.as_view(),
        name="membership_role",
    ),
    path(
        "w/<slug:workspace>/members/<uuid:membership>/remove/",
        views.MembershipRemoveView.as_view(),
        name="membership_remove",
    ),
    path(
        "w/<slug:workspace>/invitations/<uuid:invitation>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("w/<slug:workspace>/activity/", views.ActivityView.as_view(), name="activity"),
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
    path(
        "w/<slug:workspace>/api-tokens/",
        api_token_views.ApiTokenListView.as_view(),
        name="api_token_list",
    ),
    path(
        "w/<slug:workspace>/api-tokens/new/",
        api_token_views.ApiTokenCreateView.as_view(),
        name="api_token_create",
    ),
    path(
        "w/<slug:workspace>/api-tokens/<uuid:token>/revoke/",
        api_token_views.ApiTokenRevokeView.as_view(),
        name="api_token_revoke",
    ),
]
