from django.urls import path

from . import (
    account_access_views,
    account_views,
    enrol_views,
    mfa_views,
    passkey_views,
    signed_in,
    signin_views,
    views,
)

app_name = "hosted"

WORKSPACE = "<slug:workspace>/"
POOL = WORKSPACE + "pools/<uuid:pool>/"

urlpatterns = [
    path(
        WORKSPACE + "invitation/<str:token>/",
        views.InvitationRegisterView.as_view(),
        name="invitation_register",
    ),
    path(POOL + "signup/", views.SignUpView.as_view(), name="signup"),
    path(
        POOL + "signup/verify/",
        views.SignUpVerifyView.as_view(),
        name="signup_verify",
    ),
    path(POOL + "welcome/", views.RegisteredView.as_view(), name="registered"),
    path(POOL + "signin/", signin_views.SignInView.as_view(), name="signin"),
    path(
        POOL + "signin/password/",
        signin_views.SignInPasswordView.as_view(),
        name="signin_password",
    ),
    path(
        POOL + "signin/new-password/",
        signin_views.SignInChangePasswordView.as_view(),
        name="signin_change_password",
    ),
    path(
        POOL + "signin/reset/",
        signin_views.ResetStartView.as_view(),
        name="reset_start",
    ),
    path(
        POOL + "signin/reset/code/",
        signin_views.ResetFinishView.as_view(),
        name="reset_finish",
    ),
    *mfa_views.urlpatterns,
    *passkey_views.urlpatterns,
    *account_views.urlpatterns,
    *account_access_views.urlpatterns,
    *signed_in.urlpatterns,
    *enrol_views.urlpatterns,
]
