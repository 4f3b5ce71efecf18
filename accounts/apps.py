from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from . import messages  # noqa: F401 (registers the app's messages as it loads)


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from identity_pools.signals import pool_user_invited

        # Register the app's audit sentences (they load its models).
        from . import audit_text  # noqa: F401
        from .console import sections
        from .flows.invitation import invitation_on_user_invited
        from .operators.services import last_login_record

        # Django's receiver, under its own uid, by one that does the same with
        # an UPDATE written once (every sign-in: console and Django admin).
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(last_login_record, dispatch_uid="update_last_login")
        # The directory's extension points (identity_pools.signals, .user_page).
        pool_user_invited.connect(
            invitation_on_user_invited, dispatch_uid="accounts_invitation_send"
        )
        sections.register()


class OperatorAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "accounts.operators.admin_site.OperatorAdminSite"
