from django.urls import path

from . import views

# Included by accounts.urls (namespace "accounts").

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path(
        "invitations/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("login/verify/", views.SignInVerifyView.as_view(), name="login_verify"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "account/password/", views.PasswordChangeView.as_view(), name="password_change"
    ),
    path("account/two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path(
        "account/two-factor/setup/",
        views.TwoFactorSetupView.as_view(),
        name="two_factor_setup",
    ),
]
