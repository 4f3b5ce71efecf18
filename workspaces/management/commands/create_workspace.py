from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from core.audit import SystemActor
from workspaces.models import Workspace
from workspaces.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace. Running it again with the same slug changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--name", required=True, help="Display name, e.g. 'Acme Retail'."
        )
        parser.add_argument("--slug", required=True, help="URL slug, e.g. acme-retail.")
        parser.add_argument("--description", default="")

    def handle(self, *, name: str, slug: str, description: str, **options) -> None:
        if not name.strip():
            raise CommandError("--name is empty. Give the workspace a name.")
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(
                f"--slug {slug!r} is not a valid slug: use lowercase letters, digits, "
                "hyphens and underscores only, e.g. acme-retail."
            ) from exc
        if slug != slug.lower():
            raise CommandError(f"--slug {slug!r} has capitals. Use {slug.lower()!r}.")
        existing = Workspace.objects.filter(slug=slug).first()
        if existing is not None:
            self.stdout.write(
                f"Workspace {slug!r} already exists ({existing.name}); unchanged."
            )
            return
        try:
            workspace_create(
                actor=SystemActor("manage.py create_workspace"),
                name=name,
                slug=slug,
                description=description,
            )
        except ValidationError as exc:
            raise CommandError(command_error_text(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created workspace {slug!r} ({name})."))


def command_error_text(exc: ValidationError) -> str:
    """A service's ValidationError as one line for a command's error: "--slug: …"."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"--{field}: {' '.join(messages)}"
            if field != "__all__"
            else " ".join(messages)
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
