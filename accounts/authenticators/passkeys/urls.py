"""The account's passkey pages, included into the ``hosted`` namespace by
``accounts.hosted.urls``."""

from django.urls import path

from ...hosted.prefix import POOL
from . import views

urlpatterns = [
    path(
        POOL + "account/passkeys/",
        views.AccountPasskeysView.as_view(),
        name="account_passkeys",
    ),
    path(
        POOL + "account/passkeys/options/",
        views.AccountPasskeyRegisterView.as_view(step="options"),
        name="passkey_account_options",
    ),
    path(
        POOL + "account/passkeys/verify/",
        views.AccountPasskeyRegisterView.as_view(step="verify"),
        name="passkey_account_verify",
    ),
]
