from django.urls import include, path

from ..authenticators.passkeys import urls as passkeys_urls
from ..authenticators.passwords import urls as passwords_urls
from ..authenticators.recovery import urls as recovery_urls
from ..authenticators.totp import urls as totp_urls
from . import (
    account_access_views,
    account_views,
    enrol_views,
    mfa_views,
    passkey_views,
    sign_in_views,
    signed_in,
    views,
)
from .prefix import POOL, WORKSPACE

app_name = "hosted"

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
    path(POOL + "signin/", sign_in_views.SignInView.as_view(), name="sign_in"),
    path(
        POOL + "signin/password/",
        sign_in_views.SignInPasswordView.as_view(),
        name="sign_in_password",
    ),
    path(
        POOL + "signin/new-password/",
        sign_in_views.SignInChangePasswordView.as_view(),
        name="sign_in_change_password",
    ),
    path(
        POOL + "signin/reset/",
        sign_in_views.ResetStartView.as_view(),
        name="reset_start",
    ),
    path(
        POOL + "signin/reset/code/",
        sign_in_views.ResetFinishView.as_view(),
        name="reset_finish",
    ),
    # mfa_views
    path(
        POOL + "signin/code/", mfa_views.SignInCodeView.as_view(), name="sign_in_code"
    ),
    path(POOL + "signin/app/", mfa_views.SignInAppView.as_view(), name="sign_in_app"),
    path(
        POOL + "signin/passkey/",
        mfa_views.SignInPasskeyView.as_view(),
        name="sign_in_passkey",
    ),
    path(
        POOL + "signin/verify/",
        mfa_views.SignInSecondView.as_view(),
        name="sign_in_second",
    ),
    # passkey_views
    path(
        POOL + "signin/passkey/options/",
        passkey_views.PasskeySignInView.as_view(step="options"),
        name="passkey_sign_in_options",
    ),
    path(
        POOL + "signin/passkey/verify/",
        passkey_views.PasskeySignInView.as_view(step="verify"),
        name="passkey_sign_in_verify",
    ),
    path(
        POOL + "signin/verify/passkey/options/",
        passkey_views.PasskeySecondView.as_view(step="options"),
        name="passkey_second_options",
    ),
    path(
        POOL + "signin/verify/passkey/verify/",
        passkey_views.PasskeySecondView.as_view(step="verify"),
        name="passkey_second_verify",
    ),
    path(
        POOL + "signin/enrol/passkey/options/",
        passkey_views.EnrolPasskeyRegisterView.as_view(step="options"),
        name="passkey_enrol_options",
    ),
    path(
        POOL + "signin/enrol/passkey/verify/",
        passkey_views.EnrolPasskeyRegisterView.as_view(step="verify"),
        name="passkey_enrol_verify",
    ),
    path(
        POOL + "welcome/passkey/",
        passkey_views.PasskeyOfferView.as_view(),
        name="passkey_offer",
    ),
    path(
        POOL + "welcome/passkey/options/",
        passkey_views.OfferPasskeyRegisterView.as_view(step="options"),
        name="passkey_offer_options",
    ),
    path(
        POOL + "welcome/passkey/verify/",
        passkey_views.OfferPasskeyRegisterView.as_view(step="verify"),
        name="passkey_offer_verify",
    ),
    # account_views
    path(POOL + "account/", account_views.AccountView.as_view(), name="account"),
    path(
        POOL + "account/profile/",
        account_views.AccountProfileView.as_view(),
        name="account_profile",
    ),
    path(POOL + "signout/", account_views.SignOutView.as_view(), name="signout"),
    # account_access_views
    path(
        POOL + "account/delete/",
        account_access_views.AccountDeleteView.as_view(),
        name="account_delete",
    ),
    path(
        POOL + "account/identifiers/add/",
        account_access_views.AccountIdentifierAddView.as_view(),
        name="account_identifier_add",
    ),
    path(
        POOL + "account/identifiers/verify/",
        account_access_views.AccountIdentifierVerifyView.as_view(),
        name="account_identifier_verify",
    ),
    path(
        POOL + "account/identifiers/remove/",
        account_access_views.AccountIdentifierRemoveView.as_view(),
        name="account_identifier_remove",
    ),
    path(
        POOL + "account/sessions/end/",
        account_access_views.AccountSessionsEndView.as_view(),
        name="account_sessions_end",
    ),
    # signed_in
    path(
        POOL + "account/confirm/",
        signed_in.AccountConfirmView.as_view(),
        name="account_confirm",
    ),
    # enrol_views
    path(
        POOL + "signin/enrol/",
        enrol_views.SignInEnrolView.as_view(),
        name="sign_in_enrol",
    ),
    path(
        POOL + "signin/enrol/app/",
        enrol_views.SignInEnrolAppView.as_view(),
        name="sign_in_enrol_app",
    ),
    path(
        POOL + "signin/enrolled/",
        enrol_views.SignInEnrolledView.as_view(),
        name="sign_in_enrolled",
    ),
    # each authenticator's own pages
    path("", include(totp_urls.urlpatterns)),
    path("", include(passkeys_urls.urlpatterns)),
    path("", include(recovery_urls.urlpatterns)),
    path("", include(passwords_urls.urlpatterns)),
]
