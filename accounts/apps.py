from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from . import messages  # noqa: F401 (registers the app's messages as it loads)


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        # Register the app's audit sentences (they load its models).
        from . import audit_text  # noqa: F401
        from .operators.services import last_login_record

        # Django's receiver, under its own uid, by one that does the same with
        # an UPDATE written once (every sign-in: console and Django admin).
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(last_login_record, dispatch_uid="update_last_login")


class OperatorAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.operators.admin_site.OperatorAdminSite"
