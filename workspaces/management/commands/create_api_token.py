from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.audit import SystemActor
from workspaces.api_tokens import api_token_create
from workspaces.management.commands.create_workspace import command_error_text
from workspaces.models import ApiToken, Workspace

ACTOR = SystemActor("manage.py create_api_token")


class Command(BaseCommand):
    help = (
        "Create an API token of a workspace. The secret is printed alone on the "
        "last line of standard output (it is not stored and cannot be shown again)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", required=True, help="The workspace's slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--scopes",
            default="read",
            help="Comma-separated: " + ", ".join(ApiToken.Scope.values) + ".",
        )
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="Days until the token stops working (default: never).",
        )

    def handle(self, *, workspace, name, scopes, expires_in_days, **options) -> None:
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(ApiToken.Scope.values))
        if unknown:
            raise CommandError(
                f"Unknown scope(s): {', '.join(unknown)}. Choose from "
                f"{', '.join(ApiToken.Scope.values)}."
            )
        expires_at = None
        if expires_in_days is not None:
            if expires_in_days < 1:
                raise CommandError("--expires-in-days must be 1 or more.")
            expires_at = timezone.now() + timedelta(days=expires_in_days)
        try:
            token, secret = api_token_create(
                workspace=ws,
                actor=ACTOR,
                name=name,
                scopes=wanted,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError(command_error_text(exc)) from exc
        self.stderr.write(
            f"Token {token.name!r} of workspace {ws.slug!r}, scopes "
            f"{','.join(token.scopes)}"
            + (f", expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "")
            + ". The secret follows; it is not shown again."
        )
        self.stdout.write(secret)
