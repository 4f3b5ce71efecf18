"""``manage.py export_users --pool POOL_ID [FILE]``: every user of a pool in the
import record shape, streamed (constant memory at millions of users).

The same export as ``GET /api/v1/pools/{pool_id}/users/export``
(``identity_pools.transfer.exports``). NDJSON (default) or a JSON array, to FILE
or standard output; a progress bar on standard error; one audit event. Password
hashes only with ``--include-password-hashes``. What ``import_users`` reads back.
"""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.audit import SystemActor
from identity_pools.transfer.exports import (
    pool_users_export,
    pool_users_export_record,
)

from .import_users import pool_by_id

ACTOR = SystemActor("manage.py export_users")


class Command(BaseCommand):
    help = (
        "Export the users of a pool as import records (NDJSON, or a JSON array with "
        "--format json) to FILE or standard output."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pool", required=True, help="The pool's id (UUID).")
        parser.add_argument(
            "file", nargs="?", default="-", help="Where to write (default: stdout)."
        )
        parser.add_argument("--format", choices=("ndjson", "json"), default=None)
        parser.add_argument(
            "--include-password-hashes",
            action="store_true",
            help="Include each user's password hash (to move users with their "
            "passwords). Keep the file as safe as the database.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar."
        )

    def handle(self, *, pool, file, include_password_hashes, **options) -> None:
        target = pool_by_id(pool)
        fmt = options["format"] or (
            "json" if file.lower().endswith(".json") else "ndjson"
        )
        try:
            out = None if file == "-" else open(file, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot write {file}: {exc.strerror}.") from exc
        write = out.write if out is not None else self._to_stdout
        pool_users_export_record(
            pool=target, actor=ACTOR, include_password_hashes=include_password_hashes
        )
        started = time.perf_counter()
        count = 0
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        bar = tqdm(
            total=target.user_count,
            unit=" users",
            desc="export",
            file=sys.stderr,
            disable=options["no_progress"],
        )
        try:
            with bar:
                if fmt == "json":
                    write("[")
                for record in pool_users_export(
                    pool=target, include_password_hashes=include_password_hashes
                ):
                    if fmt == "json":
                        write(("\n" if not count else ",\n") + encode(record))
                    else:
                        write(encode(record) + "\n")
                    count += 1
                    if count % 1000 == 0:
                        bar.update(1000)
                bar.update(count % 1000)
                if fmt == "json":
                    write("\n]\n")
        finally:
            if out is not None:
                out.close()
            else:
                self.stdout.flush()
        seconds = time.perf_counter() - started
        where = "standard output" if file == "-" else file
        (self.stderr if out is None else self.stdout).write(
            f"Exported {count:,} users of pool {target.name!r} to {where} in "
            f"{seconds:.1f} s ({count / seconds if seconds else 0:,.0f} users/s)"
            + (", with password hashes." if include_password_hashes else ".")
        )

    def _to_stdout(self, text: str) -> None:
        self.stdout.write(text, ending="")
