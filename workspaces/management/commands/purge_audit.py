"""``manage.py purge_audit``: apply each workspace's activity retention."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from workspaces.activity import audit_purge
from workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Delete the activity (audit events) of each workspace that is older than "
        "the workspace's retention (Settings → Activity → Keep activity for "
        "(days)); workspaces without a retention keep everything, and "
        "installation-wide events (operators' console sign-ins) are not touched. "
        "Deletes in batches, records one 'activity deleted' event per workspace "
        "that lost events, and prints the counts. Safe to run again at any time: "
        "run it daily from cron, e.g. '15 3 * * * cd /srv/identity-pools && "
        ".venv/bin/python manage.py purge_audit --quiet'. Exits 0 on success."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--workspace",
            metavar="SLUG",
            help="Purge only this workspace (default: every workspace).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Events deleted per transaction (default 5000).",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print only the total (for cron mail).",
        )

    def handle(self, *, workspace, batch_size: int, quiet: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more, e.g. 5000.")
        workspaces = Workspace.objects.filter(audit_retention_days__isnull=False)
        if workspace:
            if not Workspace.objects.filter(slug=workspace).exists():
                raise CommandError(f"No workspace has the slug {workspace!r}.")
            workspaces = workspaces.filter(slug=workspace)
        total = 0
        for each in workspaces.order_by("slug"):
            deleted = audit_purge(workspace=each, batch_size=batch_size)
            total += deleted
            if not quiet:
                self.stdout.write(
                    f"{each.slug}: deleted {deleted} events older than "
                    f"{each.audit_retention_days} days."
                )
        self.stdout.write(f"Deleted {total} events in all.")
