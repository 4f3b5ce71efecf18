from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IdentityPoolsConfig(AppConfig):
    name = "identity_pools"
    verbose_name = "Identity pools"

    def ready(self) -> None:
        from .user_page import register_section
        from .views.user_sessions import sessions_context

        post_migrate.connect(_ensure_builtin_schemas, sender=self)
        # The sessions the OpenID provider keeps (its own app's to register).
        register_section(
            template="identity_pools/_user_sessions.html",
            context=lambda view: sessions_context(user=view.pool_user),
        )


def _ensure_builtin_schemas(sender, using="default", **kwargs) -> None:
    """Pools point at the built-in schemas by default; ``flush`` (and the test
    database's flush between transactional tests) deletes them and sends
    post_migrate, so they are put back here. Idempotent."""
    from .user_schemas.builtin import ensure_builtin_schemas

    ensure_builtin_schemas(using=using)
