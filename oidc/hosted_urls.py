"""The OpenID provider's part of a pool user's hosted pages (mounted under
``w/`` by ``config.urls``, namespace ``oidc_hosted``): the account page's
"Remove access" (its section: ``account_views``)."""

from django.urls import path

from accounts.hosted.prefix import POOL

from . import account_views

app_name = "oidc_hosted"

urlpatterns = [
    path(
        POOL + "account/applications/remove/",
        account_views.AccountApplicationRemoveView.as_view(),
        name="account_application_remove",
    ),
]
