from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import transaction

from core.audit import audit_record
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Create a workspace. Running it again with the same slug changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--name", required=True, help="Display name, e.g. 'Acme Retail'."
        )
        parser.add_argument("--slug", required=True, help="URL slug, e.g. acme-retail.")
        parser.add_argument("--description", default="")

    def handle(self, *, name: str, slug: str, description: str, **options) -> None:
        name = name.strip()
        if not name:
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
        workspace = Workspace(name=name, slug=slug, description=description)
        try:
            workspace.full_clean()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        with transaction.atomic():
            workspace.save()
            audit_record(
                actor=None,
                actor_label="manage.py create_workspace",
                action="workspace.created",
                workspace=workspace,
                target=workspace,
                details={"name": name, "slug": slug},
            )
        self.stdout.write(self.style.SUCCESS(f"Created workspace {slug!r} ({name})."))
