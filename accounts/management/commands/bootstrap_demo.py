import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.urls import reverse

from core.delivery.email import email_destination
from core.delivery.sms import sms_destination

DEMO_EMAIL = "demo@example.com"
DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = (
        "Create a demo operator and workspace when no operator exists yet (make run); "
        "say where the console is and where emails and text messages go."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url",
            default=None,
            help="The console's address to print (default: PUBLIC_URL's console).",
        )

    def handle(self, *, url: str | None, **options) -> None:
        url = url or settings.PUBLIC_URL + reverse("workspaces:workspace_list")
        Operator = get_user_model()
        if Operator.objects.exists():
            self.stdout.write(
                f"\nOperators exist already; open {url} and sign in. (The demo operator "
                f"is {DEMO_EMAIL}; reset its password with "
                f"`.venv/bin/python manage.py changepassword {DEMO_EMAIL}`.)\n"
            )
            self.stdout.write(self.delivery())
            return
        password = secrets.token_urlsafe(15)
        call_command(
            "create_workspace", name="Demo", slug=DEMO_SLUG, stdout=self.stdout
        )
        call_command(
            "create_operator",
            email=DEMO_EMAIL,
            password=password,
            workspace=DEMO_SLUG,
            role="owner",
            superuser=True,
            stdout=self.stdout,
        )
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Identity Pools console: "
                f"{url}\n  Email:    {DEMO_EMAIL}\n  Password: {password}\n"
            )
        )
        self.stdout.write(self.delivery())

    @staticmethod
    def delivery() -> str:
        """Where the invitations, codes and notices to users go (EMAIL_URL,
        SMS_BACKEND): a new operator looks for them there."""
        return (
            f"  Mail to users (invitations, codes): {email_destination()}"
            " (EMAIL_URL).\n"
            f"  SMS to users: {sms_destination()} (SMS_BACKEND).\n"
        )
