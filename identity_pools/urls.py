from django.urls import include, path

from .user_page import POOL_PATH, USER_PATH
from .user_schemas.urls import urlpatterns as schema_urlpatterns
from .views import groups, pools, users

app_name = "identity_pools"

POOL = POOL_PATH
USER = USER_PATH  # the user page's actions of other apps: their own urls
GROUP = POOL + "groups/<uuid:group>/"

urlpatterns = [
    path("", include(schema_urlpatterns)),
    path("w/<slug:workspace>/pools/", pools.PoolListView.as_view(), name="pool_list"),
    path(
        "w/<slug:workspace>/pools/new/",
        pools.PoolCreateView.as_view(),
        name="pool_create",
    ),
    path(POOL, pools.PoolDetailView.as_view(), name="pool_detail"),
    path(POOL + "dashboard/", pools.PoolDashboardView.as_view(), name="pool_dashboard"),
    path(POOL + "settings/", pools.PoolSettingsView.as_view(), name="pool_settings"),
    path(
        POOL + "settings/schemas/", pools.PoolSchemasView.as_view(), name="pool_schemas"
    ),
    path(
        POOL + "settings/sign-up/",
        pools.PoolSignUpView.as_view(),
        name="pool_sign_up",
    ),
    path(
        POOL + "settings/password-policy/",
        pools.PoolPasswordPolicyView.as_view(),
        name="pool_password_policy",
    ),
    path(
        POOL + "settings/sign-in/",
        pools.PoolSignInPolicyView.as_view(),
        name="pool_sign_in_policy",
    ),
    path(
        POOL + "settings/sign-in-methods/",
        pools.PoolSignInMethodsView.as_view(),
        name="pool_sign_in_methods",
    ),
    path(
        POOL + "settings/codes/",
        pools.PoolCodeRulesView.as_view(),
        name="pool_code_rules",
    ),
    path(POOL + "delete/", pools.PoolDeleteView.as_view(), name="pool_delete"),
    # Users tab
    path(POOL + "users/", users.PoolUserListView.as_view(), name="pool_user_list"),
    path(
        POOL + "users/new/", users.PoolUserCreateView.as_view(), name="pool_user_create"
    ),
    path(USER, users.PoolUserDetailView.as_view(), name="pool_user_detail"),
    path(USER + "data/", users.PoolUserDataView.as_view(), name="pool_user_data"),
    path(
        USER + "metadata/",
        users.PoolUserDataView.as_view(kind="metadata"),
        name="pool_user_metadata",
    ),
    path(
        USER + "identifiers/",
        users.PoolUserIdentifierAddView.as_view(),
        name="pool_user_identifier_add",
    ),
    path(
        USER + "identifiers/<uuid:identifier>/remove/",
        users.PoolUserIdentifierRemoveView.as_view(),
        name="pool_user_identifier_remove",
    ),
    path(USER + "status/", users.PoolUserStatusView.as_view(), name="pool_user_status"),
    path(
        USER + "activate/",
        users.PoolUserActivateView.as_view(),
        name="pool_user_activate",
    ),
    path(
        USER + "identifiers/<uuid:identifier>/verify/",
        users.PoolUserIdentifierVerifyView.as_view(),
        name="pool_user_identifier_verify",
    ),
    path(
        USER + "invitation/",
        users.PoolUserInvitationResendView.as_view(),
        name="pool_user_invitation_resend",
    ),
    path(USER + "delete/", users.PoolUserDeleteView.as_view(), name="pool_user_delete"),
    path(
        USER + "groups/",
        users.PoolUserGroupAddView.as_view(),
        name="pool_user_group_add",
    ),
    path(
        USER + "groups/<uuid:group>/remove/",
        users.PoolUserGroupRemoveView.as_view(),
        name="pool_user_group_remove",
    ),
    # Groups tab
    path(POOL + "groups/", groups.GroupListView.as_view(), name="group_list"),
    path(POOL + "groups/new/", groups.GroupCreateView.as_view(), name="group_create"),
    path(GROUP, groups.GroupDetailView.as_view(), name="group_detail"),
    path(GROUP + "edit/", groups.GroupUpdateView.as_view(), name="group_update"),
    path(
        GROUP + "assign/",
        groups.GroupAssignUsersView.as_view(),
        name="group_assign_users",
    ),
    path(
        GROUP + "remove/",
        groups.GroupRemoveUsersView.as_view(),
        name="group_remove_users",
    ),
    path(GROUP + "delete/", groups.GroupDeleteView.as_view(), name="group_delete"),
]
