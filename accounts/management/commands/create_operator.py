from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.operators.services import operator_create, operator_grant_superuser
from core.addresses import email_normalise
from core.audit import SystemActor
from workspaces.management.commands.create_workspace import command_error_text
from workspaces.models import Role, Workspace
from workspaces.services import membership_set_role

ACTOR = SystemActor("manage.py create_operator")


class Command(BaseCommand):
    help = (
        "Create an operator, optionally a member of a workspace and/or a superuser. "
        "Running it again changes nothing but the role and the superuser flag asked "
        "for; an existing operator's password is left as it is."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        # Not required=True: call_command() re-parses required options from their
        # values, and argparse reads a password that starts with "-" as an option.
        parser.add_argument(
            "--password",
            help="Password of a new operator (write --password=VALUE when it "
            "starts with -). Not needed when the operator exists.",
        )
        parser.add_argument("--workspace", help="Slug of a workspace to join.")
        parser.add_argument(
            "--role", choices=Role.values, default=None, help="Role in --workspace."
        )
        parser.add_argument("--superuser", action="store_true")

    def handle(self, *, email, password, workspace, role, superuser, **options) -> None:
        try:
            email = email_normalise(email)
        except ValidationError as exc:
            raise CommandError(f"--email: {exc.messages[0]}") from exc
        if role and not workspace:
            raise CommandError("--role needs --workspace SLUG.")
        ws = None
        if workspace:
            ws = Workspace.objects.filter(slug=workspace).first()
            if ws is None:
                raise CommandError(
                    f"No workspace with slug {workspace!r}. Create it first: "
                    f"manage.py create_workspace --name NAME --slug {workspace}"
                )
        role = role or (Role.OWNER if ws else None)
        try:
            with transaction.atomic():
                self._operator_and_membership(email, password, superuser, ws, role)
        except ValidationError as exc:
            raise CommandError(command_error_text(exc)) from exc

    def _operator_and_membership(self, email, password, superuser, ws, role) -> None:
        operator = get_user_model().objects.filter(email__iexact=email).first()
        if operator is None:
            if not password:
                raise CommandError(
                    f"--password is needed to create the operator {email}."
                )
            operator = operator_create(
                email=email, password=password, superuser=superuser, actor=ACTOR
            )
            self.stdout.write(self.style.SUCCESS(f"Created operator {email}."))
        else:
            self.stdout.write(f"Operator {email} already exists; password unchanged.")
            if superuser and operator_grant_superuser(operator=operator, actor=ACTOR):
                self.stdout.write(f"{email} is now a superuser.")
        if ws is None:
            return
        _membership, outcome = membership_set_role(
            workspace=ws, operator=operator, role=role, actor=ACTOR
        )
        if outcome == "unchanged":
            self.stdout.write(f"{email} is already {role} of workspace {ws.slug!r}.")
        else:
            self.stdout.write(f"{email} is {role} of workspace {ws.slug!r}.")
