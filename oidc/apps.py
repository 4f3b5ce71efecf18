from django.apps import AppConfig

from . import messages  # noqa: F401 (registers the app's messages as it loads)


class OidcConfig(AppConfig):
    """The OpenID provider. What it adds to the apps below it, without their
    importing it: it stops tokens when a sign-in ends (``accounts.signals``)
    and shows sections on the console's user page
    (``identity_pools.user_page``) and on the user's account page
    (``accounts.hosted.account_page``)."""

    name = "oidc"
    verbose_name = "OpenID provider"

    def ready(self) -> None:
        from accounts.hosted.account_page import register_section as account_section
        from accounts.signals import sso_session_ended, user_signed_out_everywhere
        from identity_pools.user_page import register_section as user_section

        from . import audit_text  # noqa: F401 (registers the audit sentences)
        from .account_views import applications_context
        from .user_access import revoke_session_tokens, revoke_user_tokens
        from .user_views import sessions_context

        sso_session_ended.connect(
            revoke_session_tokens, dispatch_uid="oidc.revoke_session_tokens"
        )
        user_signed_out_everywhere.connect(
            revoke_user_tokens, dispatch_uid="oidc.revoke_user_tokens"
        )
        user_section(
            template="oidc/console/_user_sessions.html", context=sessions_context
        )
        account_section(
            template="oidc/_account_applications.html", context=applications_context
        )
