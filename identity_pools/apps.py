from django.apps import AppConfig
from django.db.models.signals import post_migrate

from . import messages  # noqa: F401 (registers the app's messages as it loads)


class IdentityPoolsConfig(AppConfig):
    name = "identity_pools"
    verbose_name = "Identity pools"

    def ready(self) -> None:
        # Registers the app's audit sentences (they load its models).
        from . import audit_text  # noqa: F401

        post_migrate.connect(_ensure_builtin_schemas, sender=self)


def _ensure_builtin_schemas(sender, using="default", **kwargs) -> None:
    """Pools point at the built-in schemas by default; ``flush`` (and the test
    database's flush between transactional tests) deletes them and sends
    post_migrate, so they are put back here. Idempotent."""
    from .user_schemas.builtin import ensure_builtin_schemas

    ensure_builtin_schemas(using=using)
