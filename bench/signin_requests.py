"""What each request of a hosted password sign-in costs this process, in
process (Django's test client, all middleware), with the password check
answering at once: the identifier page, the identifier's POST (answered with
the password page), the password's POST, the one-page POST (identifier and
password), and a 404 for Django's own floor. Rounds alternate the requests;
medians of CPU milliseconds a request.

    .venv/bin/python bench/signin_requests.py [--rounds 7] [--count 200]
        [--database-url URL]

The database is a new SQLite file unless --database-url names another (its
name must contain "bench"). See bench/README.md, "Issue 21: the worker and
prepared statements".
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

from signin import PASSWORD, bench_pool

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if args.database_url and "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("Refusing: the database name must contain 'bench'.")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    tmp = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "3600")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from workspaces.models import Workspace

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)  # the 404s
    mock.patch.object(Argon2PasswordHasher, "verify", lambda *a: True).start()
    workspace, _ = Workspace.objects.get_or_create(
        slug="bench-signin", defaults={"name": "Bench"}
    )
    pool, _user = bench_pool(workspace, "Bench sign-in", one_page=False)
    one_page, _user = bench_pool(workspace, "Bench one-page", one_page=True)
    first = reverse("hosted:sign_in", args=[workspace.slug, pool.pk])
    second = reverse("hosted:sign_in_password", args=[workspace.slug, pool.pk])
    single = reverse("hosted:sign_in", args=[workspace.slug, one_page.pk])
    client = Client()  # one handler, as one server process

    def post(url: str, **fields):
        return client.post(
            url, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    def identifier_page():
        client.cookies.clear()
        client.get(first)

    def identifier():
        client.cookies.clear()
        answer = post(first, identifier="bench@example.com")
        assert answer.status_code == 200, answer.status_code

    def identifier_and_password():
        identifier()
        done = post(second, password=PASSWORD)
        assert done.status_code == 302, done.status_code

    def one_page_post():
        client.cookies.clear()
        done = post(single, identifier="bench@example.com", password=PASSWORD)
        assert done.status_code == 302, done.status_code

    def not_found():
        client.get("/w/no-such-workspace/")

    runs = {
        "GET the identifier page": identifier_page,
        "POST the identifier (answered with the password page)": identifier,
        "POST the identifier, then POST the password": identifier_and_password,
        "POST one page (identifier and password)": one_page_post,
        "a 404 (Django's own floor)": not_found,
    }
    for run in runs.values():
        for _ in range(20):
            run()
    spent: dict[str, list[float]] = {name: [] for name in runs}
    for r in range(args.rounds):
        for name, run in (
            list(runs.items())[r % len(runs) :] + list(runs.items())[: r % len(runs)]
        ):
            start = time.process_time()
            for _ in range(args.count):
                run()
            spent[name].append((time.process_time() - start) * 1000 / args.count)
    print(f"database: {connection.vendor}; {args.rounds} rounds of {args.count}")
    medians = {name: statistics.median(values) for name, values in spent.items()}
    for name, value in medians.items():
        print(f"{value:6.2f} ms CPU  {name}")
    both = medians["POST the identifier, then POST the password"]
    alone = medians["POST the identifier (answered with the password page)"]
    print(f"{both - alone:6.2f} ms CPU  the password's POST (by difference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
