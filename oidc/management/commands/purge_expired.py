from django.core.management.base import BaseCommand

from core.ratelimit import purge_expired_buckets
from oidc.cleanup import oidc_purge_expired


class Command(BaseCommand):
    help = (
        "Delete expired authorization codes, tokens and long-ended sign-on "
        "sessions of the OpenID provider, and rate-limit windows that have "
        "ended. Safe to run from cron (e.g. hourly), next to Django's "
        "clearsessions."
    )

    def handle(self, *args, **options) -> None:
        counts = oidc_purge_expired()
        counts["buckets"] = purge_expired_buckets()
        self.stdout.write(
            "Deleted {codes} authorization codes, {tokens} tokens, "
            "{sessions} sign-on sessions and {buckets} rate-limit windows.".format(
                **counts
            )
        )
