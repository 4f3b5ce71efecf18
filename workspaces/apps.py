from django.apps import AppConfig

from . import messages  # noqa: F401 (registers the app's messages as it loads)


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        # Registers the app's audit sentences (they load its models).
        from . import audit_text  # noqa: F401
