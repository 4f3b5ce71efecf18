"""The authenticator app's pages on the account page, included into the
``hosted`` namespace by ``accounts.hosted.urls``."""

from django.urls import path

from ...hosted.prefix import POOL
from . import views

urlpatterns = [
    path(
        POOL + "account/app/",
        views.AccountTotpView.as_view(),
        name="account_totp",
    ),
    path(
        POOL + "account/app/remove/",
        views.AccountTotpRemoveView.as_view(),
        name="account_totp_remove",
    ),
]
