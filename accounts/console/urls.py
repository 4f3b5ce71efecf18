"""The user page's sign-in actions, under the user's console path (included in
``accounts.urls``: names ``accounts:pool_user_…``)."""

from django.urls import path

from identity_pools.user_page import USER_PATH as USER

from . import views

urlpatterns = [
    path(
        USER + "sign-in/unlock/",
        views.PoolUserSignInActionView.as_view(action="unlock"),
        name="pool_user_unlock",
    ),
    path(
        USER + "sign-in/send-password-reset/",
        views.PoolUserSignInActionView.as_view(action="send_password_reset"),
        name="pool_user_send_password_reset",
    ),
    path(
        USER + "sign-in/require-password-change/",
        views.PoolUserSignInActionView.as_view(action="require_password_change"),
        name="pool_user_require_password_change",
    ),
    path(
        USER + "sign-in/sign-out-everywhere/",
        views.PoolUserSignInActionView.as_view(action="sign_out_everywhere"),
        name="pool_user_sign_out_everywhere",
    ),
    path(
        USER + "sign-in/remove-app/",
        views.PoolUserSignInActionView.as_view(action="remove_totp"),
        name="pool_user_remove_totp",
    ),
    path(
        USER + "sign-in/passkeys/<uuid:passkey>/remove/",
        views.PoolUserSignInActionView.as_view(action="remove_passkey"),
        name="pool_user_remove_passkey",
    ),
    path(
        USER + "password/",
        views.PoolUserPasswordView.as_view(),
        name="pool_user_password",
    ),
]
