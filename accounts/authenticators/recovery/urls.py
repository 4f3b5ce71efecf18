"""The account page's recovery codes, included into the ``hosted`` namespace by
``accounts.hosted.urls``."""

from django.urls import path

from ...hosted.prefix import POOL
from . import views

urlpatterns = [
    path(
        POOL + "account/recovery-codes/",
        views.AccountRecoveryCodesView.as_view(),
        name="account_recovery_codes",
    ),
]
