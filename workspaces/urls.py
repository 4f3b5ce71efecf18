from django.urls import path

from . import activity_views, api_token_views, views

app_name = "workspaces"

urlpatterns = [
    path("", views.WorkspaceListView.as_view(), name="workspace_list"),
    path(
        "workspaces/new/", views.WorkspaceCreateView.as_view(), name="workspace_create"
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
    path(
        "w/<slug:workspace>/activity/",
        activity_views.ActivityView.as_view(),
        name="activity",
    ),
    path(
        "w/<slug:workspace>/activity/export.csv",
        activity_views.ActivityExportView.as_view(),
        {"format": "csv"},
        name="activity_export_csv",
    ),
    path(
        "w/<slug:workspace>/activity/export.ndjson",
        activity_views.ActivityExportView.as_view(),
        {"format": "ndjson"},
        name="activity_export_ndjson",
    ),
    path(
        "w/<slug:workspace>/settings/activity/",
        activity_views.AuditRetentionView.as_view(),
        name="audit_retention",
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
