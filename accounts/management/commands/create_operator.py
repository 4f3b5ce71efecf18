from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.addresses import email_normalise
from core.audit import audit_record
from workspaces.models import Membership, Role, Workspace


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
        Operator = get_user_model()
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

        with transaction.atomic():
            operator = Operator.objects.filter(email__iexact=email).first()
            if operator is None:
                if not password:
                    raise CommandError(
                        f"--password is needed to create the operator {email}."
                    )
                try:
                    validate_password(password, Operator(email=email))
                except ValidationError as exc:
                    raise CommandError("--password: " + " ".join(exc.messages)) from exc
                create = (
                    Operator.objects.create_superuser
                    if superuser
                    else Operator.objects.create_user
                )
                operator = create(email=email, password=password)
                audit_record(
                    actor=None,
                    actor_label="manage.py create_operator",
                    action="operator.created",
                    target=operator,
                    details={"email": email, "superuser": superuser},
                )
                self.stdout.write(self.style.SUCCESS(f"Created operator {email}."))
            else:
                self.stdout.write(
                    f"Operator {email} already exists; password unchanged."
                )
                if superuser and not operator.is_superuser:
                    operator.is_superuser = operator.is_staff = True
                    operator.save(update_fields=["is_superuser", "is_staff"])
                    self.stdout.write(f"{email} is now a superuser.")
            if ws is not None:
                membership, created = Membership.objects.get_or_create(
                    workspace=ws, operator=operator, defaults={"role": role}
                )
                if created or membership.role != role:
                    old = None if created else membership.role
                    membership.role = role
                    membership.save(update_fields=["role", "updated_at"])
                    audit_record(
                        actor=None,
                        actor_label="manage.py create_operator",
                        action="membership.added"
                        if created
                        else "membership.role_changed",
                        workspace=ws,
                        target=membership,
                        details={"email": email, "role": role, "from": old},
                    )
                    self.stdout.write(f"{email} is {role} of workspace {ws.slug!r}.")
                else:
                    self.stdout.write(
                        f"{email} is already {role} of workspace {ws.slug!r}."
                    )
