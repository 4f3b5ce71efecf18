"""``manage.py import_users --pool POOL_ID FILE``: bulk import from a file.

The same service as ``POST /api/v1/pools/{pool_id}/users/import``
(``identity_pools.transfer.imports``), fed in batches of up to 10,000 records
read from the file as a stream: NDJSON, a JSON array or CSV (the header is
documented in ``identity_pools.transfer.files``). A progress bar goes to
standard error; the summary to standard output. The records that failed are
written, with their errors under "_errors", to an NDJSON file (default
``FILE.failed.ndjson``) that can be fixed and imported again as it is. The exit
status is 1 when any record failed.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.audit import SystemActor
from core.fastpath.copy import CopyError
from core.fastpath.sql import analyze
from identity_pools.credentials import PasswordCredential
from identity_pools.models import GroupMembership, Identifier, IdentityPool, PoolUser
from identity_pools.transfer.files import (
    FORMATS,
    FormatError,
    failed_line,
    format_of,
    read_records,
)
from identity_pools.transfer.imports import (
    MAX_RECORDS,
    ON_CONFLICT,
    ImportReport,
    pool_users_import,
)

ACTOR = SystemActor("manage.py import_users")
# After this many new users the planner's statistics are refreshed at once (the
# export and the users pages need them; autovacuum would take a minute or more).
ANALYSE_AFTER = 100_000


def pool_by_id(value: str) -> IdentityPool:
    try:
        pool_id = uuid.UUID(value.strip())
    except ValueError as exc:
        raise CommandError(f"--pool {value!r} is not a pool id (a UUID).") from exc
    pool = (
        IdentityPool.objects.select_related(
            "workspace", "user_schema", "metadata_schema"
        )
        .filter(pk=pool_id)
        .first()
    )
    if pool is None:
        raise CommandError(f"No pool with id {pool_id}.")
    return pool


class Command(BaseCommand):
    help = (
        "Import users into a pool from FILE (NDJSON, a JSON array, or CSV; '-' for "
        "standard input): the record shape of the REST API's bulk import, with "
        "password hashes. Failed records go to FILE.failed.ndjson with their errors."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pool", required=True, help="The pool's id (UUID).")
        parser.add_argument("file", help="The file of records, or - for stdin.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="ndjson, json or csv. Default: from the file name (.csv, .json; "
            "anything else is NDJSON).",
        )
        parser.add_argument(
            "--on-conflict",
            choices=ON_CONFLICT,
            default="error",
            help="When a record's user exists: error (default), skip or update.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--create-groups",
            action="store_true",
            help="Create the groups the records name that the pool lacks.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=MAX_RECORDS,
            help=f"Records per transaction (1 to {MAX_RECORDS:,}; default {MAX_RECORDS:,}).",
        )
        parser.add_argument(
            "--failed",
            help="Where to write the failed records (default: FILE.failed.ndjson, "
            "or import-failed.ndjson for stdin).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar."
        )

    def handle(self, *, pool, file, batch, **options) -> None:
        if not 1 <= batch <= MAX_RECORDS:
            raise CommandError(f"--batch must be 1 to {MAX_RECORDS:,}, not {batch}.")
        target = pool_by_id(pool)
        fmt = format_of(file, options["format"])
        failed_path = Path(
            options["failed"]
            or ("import-failed.ndjson" if file == "-" else f"{file}.failed.ndjson")
        )
        if file == "-":
            binary, size = sys.stdin.buffer, None
        else:
            try:
                binary = open(file, "rb")  # noqa: SIM115 — closed below
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
            size = os.fstat(binary.fileno()).st_size
        self.failed_path, self.failed_file = failed_path, None
        total = ImportReport()
        started = time.perf_counter()
        bar = tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc="import",
            file=sys.stderr,
            disable=options["no_progress"],
        )
        try:
            with bar:
                self._run(target, binary, fmt, batch, options, total, bar)
        except FormatError as exc:
            raise CommandError(f"{file} is not a valid {fmt} file: {exc}.") from exc
        finally:
            if binary is not sys.stdin.buffer:
                binary.close()
            if self.failed_file is not None:
                self.failed_file.close()
        if total.created >= ANALYSE_AFTER and not options["dry_run"]:
            _analyse()
        self._summary(file, total, time.perf_counter() - started, options["dry_run"])

    def _run(self, pool, binary, fmt, batch, options, total, bar) -> None:
        records: list = []
        done = 0
        last_position = 0

        def flush() -> None:
            nonlocal done, last_position
            try:
                report = pool_users_import(
                    pool=pool,
                    actor=ACTOR,
                    records=records,
                    on_conflict=options["on_conflict"],
                    dry_run=options["dry_run"],
                    create_groups=options["create_groups"],
                    first_index=done,
                )
            except CopyError as exc:  # the bulk writer's: nothing of the batch landed
                raise CommandError(
                    f"Records {done + 1:,} to {done + len(records):,} could not be "
                    f"written ({exc}); nothing of them was imported."
                ) from exc
            for raw, result in zip(records, report.results, strict=True):
                if result["outcome"] == "error":
                    self._failed(raw, result)
            total.created += report.created
            total.updated += report.updated
            total.skipped += report.skipped
            total.failed += report.failed
            total.groups_created += report.groups_created
            done += len(records)
            records.clear()
            position = _position(binary)
            if position is not None:
                bar.update(position - last_position)
                last_position = position
            bar.set_postfix(records=done, failed=total.failed, refresh=False)

        for raw in read_records(binary, fmt):
            records.append(raw)
            if len(records) >= batch:
                flush()
        if records:
            flush()

    def _failed(self, raw, result: dict) -> None:
        if self.failed_file is None:
            self.failed_file = open(self.failed_path, "w", encoding="utf-8")  # noqa: SIM115
        self.failed_file.write(failed_line(raw, result["errors"], result["index"]))

    def _summary(self, file, total: ImportReport, seconds: float, dry_run) -> None:
        count = total.created + total.updated + total.skipped + total.failed
        rate = count / seconds if seconds else 0
        verb = "Checked" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {count:,} record{'s' if count != 1 else ''} from {file} in "
            f"{seconds:.1f} s "
            f"({rate:,.0f} records/s): {total.created:,} created, "
            f"{total.updated:,} updated, {total.skipped:,} skipped, "
            f"{total.failed:,} failed"
            + (" (dry run: nothing written)." if dry_run else ".")
        )
        if total.groups_created:
            self.stdout.write(f"Groups created: {', '.join(total.groups_created)}.")
        if total.failed:
            raise CommandError(
                f"{total.failed:,} record{'s' if total.failed != 1 else ''} failed. "
                f"They are in {self.failed_path} "
                'with their errors ("_errors"): fix them and import that file.'
            )


def _analyse() -> None:
    analyze(PoolUser, Identifier, PasswordCredential, GroupMembership)


def _position(binary) -> int | None:
    try:
        return os.lseek(binary.fileno(), 0, os.SEEK_CUR)
    except (OSError, ValueError, AttributeError):  # not a file (a pipe, a test)
        return None
