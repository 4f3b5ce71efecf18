from django.core.management.base import BaseCommand

from oidc.cleanup import oidc_purge_expired


class Command(BaseCommand):
    help = (
        "Delete expired authorization codes, tokens and long-ended sign-on "
        "sessions of the OpenID provider. Safe to run from cron (e.g. hourly), "
        "next to Django's clearsessions."
    )

    def handle(self, *args, **options) -> None:
        counts = oidc_purge_expired()
        self.stdout.write(
            "Deleted {codes} authorization codes, {tokens} tokens and "
            "{sessions} sign-on sessions.".format(**counts)
        )
