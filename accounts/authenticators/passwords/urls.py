"""The account page's password change, included into the ``hosted`` namespace
by ``accounts.hosted.urls``."""

from django.urls import path

from ...hosted.prefix import POOL
from . import views

urlpatterns = [
    path(
        POOL + "account/password/",
        views.AccountPasswordView.as_view(),
        name="account_password",
    ),
]
