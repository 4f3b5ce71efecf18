from django.apps import AppConfig

from . import messages  # noqa: F401 (registers core's messages as it loads)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import audit_words  # noqa: F401 (registers core's audit words)
