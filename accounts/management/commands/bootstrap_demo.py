import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_EMAIL = "demo@example.com"
DEMO_SLUG = "demo"


class Command(BaseCommand):
    help = (
        "Create a demo operator and workspace when no operator exists yet (make run)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/console/")

    def handle(self, *, url: str, **options) -> None:
        Operator = get_user_model()
        if Operator.objects.exists():
            self.stdout.write(
                f"\nOperators exist already; open {url} and sign in. (The demo operator "
                f"is {DEMO_EMAIL}; reset its password with "
                f"`.venv/bin/python manage.py changepassword {DEMO_EMAIL}`.)\n"
            )
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
