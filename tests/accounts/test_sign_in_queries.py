"""The SQL of the two sign-in paths, pinned (issue 13: sign-ins at most 15% over
the bare hash). Each test lists the statements a sign-in runs, whether each is
inside a transaction, and how many commits it costs; a new query, a write
outside the sign-in's transaction or an extra commit fails here first.

These run with ``transaction=True`` so that transactions are the production
ones (no test-wide transaction turning them into savepoints)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django_otp.oath import totp

from core.models import AuditEvent
from tests.conftest import hosted_url as hosted
from tests.factories import (
    PASSWORD,
)

pytestmark = pytest.mark.django_db(transaction=True)
# These pin core.fastpath.writes' statements, which are one statement on PostgreSQL only.
ONE_STATEMENT = pytest.mark.postgresql(
    reason="pins the sign-in's writes as one statement (core.fastpath.writes), as PostgreSQL "
    "runs them; SQLite runs them one by one in the same transaction"
)
GOOD = "a long enough passphrase for 2026"


def _shape(sql: str) -> str:
    """``VERB table`` of a statement (the outermost table: column subqueries
    and VALUES removed); ``ONE STATEMENT: VERB table, …`` for the parts of a
    ``core.fastpath.writes.Writes`` statement."""
    sql = re.sub(r"^\d+ times: ", "", sql.strip())
    if sql.startswith("WITH w0 AS ("):
        parts = re.findall(r'w\d+ AS \((INSERT INTO|UPDATE|DELETE FROM) "(\w+)"', sql)
        return "ONE STATEMENT: " + ", ".join(f"{v.split()[0]} {t}" for v, t in parts)
    while True:
        flat = re.sub(r"\([^()]*\)", "", sql)
        if flat == sql:
            break
        sql = flat
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    assert table, sql
    return f"{verb} {table.group(1)}"


class Recorded:
    def __init__(self) -> None:
        self.statements: list[tuple[str, bool]] = []
        self.commits = 0

    @property
    def shapes(self) -> list[str]:
        return [shape for shape, _ in self.statements]

    @property
    def round_trips(self) -> int:
        """Statements, plus BEGIN and COMMIT of each transaction."""
        return len(self.statements) + 2 * self.commits_of_transactions

    @property
    def writes_outside(self) -> list[str]:
        return [s for s, inside in self.statements if not inside and "SELECT" not in s]

    @property
    def commits_of_transactions(self) -> int:
        return self.commits - len(self.writes_outside)


@contextmanager
def recorded():
    """The statements run meanwhile, each with whether a transaction was open,
    and the commits (a transaction's, or a lone write's own)."""
    record = Recorded()

    def wrapper(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith("BEGIN"):  # SQLite issues its own
            record.statements.append((_shape(sql), connection.in_atomic_block))
        return execute(sql, params, many, context)

    commit = connection._commit

    def counted_commit():
        record.commits += 1
        return commit()

    connection._commit = counted_commit
    try:
        with connection.execute_wrapper(wrapper):
            yield record
    finally:
        del connection._commit
    record.commits += len(record.writes_outside)


@ONE_STATEMENT
def test_hosted_identifier_step_is_one_read_and_one_write(client, pool, ann):
    with recorded() as step:
        response = client.post(
            hosted(pool, "sign_in"), {"identifier": "ann@example.com"}
        )
    # The password page itself, shown without reading anything more.
    assert response["Content-Location"] == hosted(pool, "sign_in_password")
    assert step.shapes == [
        "SELECT identity_pools_identitypool",  # with workspace and policies
        "ONE STATEMENT: INSERT django_session",
    ]
    assert step.writes_outside == ["ONE STATEMENT: INSERT django_session"]
    assert step.commits == 1 and step.round_trips == 2


@ONE_STATEMENT
def test_hosted_password_step_reads_three_times_and_commits_once(client, pool, ann):
    client.post(hosted(pool, "sign_in"), {"identifier": "ann@example.com"})
    before = client.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value
    with recorded() as step:
        response = client.post(hosted(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == hosted(pool, "account")
    assert step.shapes == [
        "SELECT identity_pools_identitypool",  # the pool (the page)
        "SELECT django_session",
        # Block, address limit, identifier, user, password, second factors.
        "SELECT identity_pools_identitypool",
        # The sign-in's writes, one statement with no BEGIN or COMMIT of its own.
        "ONE STATEMENT: INSERT accounts_ssosession,"
        " UPDATE django_session,"  # the new key: no fixation
        " INSERT django_session,"  # only if the old row was gone
        " UPDATE identity_pools_pooluser,"  # last sign-in
        " INSERT core_auditevent,"
        " INSERT identity_pools_pooldailystat",
    ]
    assert len(step.writes_outside) == 1
    assert step.commits == 1 and step.round_trips == 4
    # The old key names nothing; the browser has the new one, signed in.
    after = client.cookies[settings.HOSTED_SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get(hosted(pool, "account")).status_code == 200
    assert AuditEvent.objects.filter(action="pool_user.signed_in").count() == 1


@ONE_STATEMENT
def test_hosted_one_page_sign_in_reads_twice_and_writes_once(client, pool, ann):
    """With the pool's password on the first page: one request, three
    statements, one commit."""
    from identity_pools.models import SignInPolicy

    SignInPolicy.objects.create(pool=pool, password_on_first_page=True)
    with recorded() as step:
        response = client.post(
            hosted(pool, "sign_in"), {"identifier": "ann@example.com", "password": GOOD}
        )
    assert response["Location"] == hosted(pool, "account")
    assert step.shapes == [
        "SELECT identity_pools_identitypool",  # the pool (the page)
        # Block, address limit, identifier, user, password, second factors.
        "SELECT identity_pools_identitypool",
        "ONE STATEMENT: INSERT accounts_ssosession,"
        " INSERT django_session,"  # the browser had none
        " UPDATE identity_pools_pooluser,"
        " INSERT core_auditevent,"
        " INSERT identity_pools_pooldailystat",
    ]
    assert step.commits == 1 and step.round_trips == 3
    assert client.get(hosted(pool, "account")).status_code == 200


def test_hosted_unknown_identifier_runs_the_same_sql_as_a_wrong_password(
    client, pool, ann
):
    def failed(identifier):
        client.cookies.clear()
        client.post(hosted(pool, "sign_in"), {"identifier": identifier})
        with recorded() as step:
            response = client.post(
                hosted(pool, "sign_in_password"), {"password": "not the password"}
            )
        assert response.status_code == 200
        return step

    # The second failure of each (the first creates the rows that count them).
    failed("ann@example.com"), failed("nobody@example.com")
    wrong = failed("ann@example.com")
    unknown = failed("nobody@example.com")
    assert wrong.shapes == unknown.shapes
    assert wrong.commits == unknown.commits
    assert wrong.shapes[:3] == [
        "SELECT identity_pools_identitypool",
        "SELECT django_session",
        "SELECT identity_pools_identitypool",
    ]


@ONE_STATEMENT
def test_hosted_second_factor_is_read_with_the_user(client, pool, ann):
    """A user with an authenticator app goes on to the second factor; whether
    they have one came with the first query (no query of its own)."""
    from accounts.authenticators.totp.services import totp_confirm, totp_new_key
    from identity_pools.models import SignInPolicy

    SignInPolicy.objects.update_or_create(
        pool=pool, defaults={"second_factor": "optional", "mfa_totp": True}
    )
    key = totp_new_key()
    totp_confirm(user=ann, key=key, code=f"{totp(bytes.fromhex(key), drift=-1):06d}")
    client.post(hosted(pool, "sign_in"), {"identifier": "ann@example.com"})
    with recorded() as step:
        response = client.post(hosted(pool, "sign_in_password"), {"password": GOOD})
    assert response["Location"] == hosted(pool, "sign_in_second")
    assert step.shapes == [
        "SELECT identity_pools_identitypool",
        "SELECT django_session",
        "SELECT identity_pools_identitypool",
        "ONE STATEMENT: UPDATE django_session",  # the state: the second factor
    ]


def console_sign_in(client, email, password):
    return client.post(
        reverse("accounts:login"), {"email": email, "password": password}
    )


@ONE_STATEMENT
def test_console_sign_in_commits_twice(client, operator):
    with recorded() as step:
        response = console_sign_in(client, operator.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert step.shapes == [
        "SELECT core_ratelimitbucket",  # both limits, one query
        "SELECT accounts_operator",
        "SELECT otp_totp_totpdevice",
        # Django's login and the audit event, one transaction; the session
        # engine (accounts.sessions) neither asks whether the new key is taken
        # nor needs a savepoint: a taken key inserts nothing.
        "ONE STATEMENT: INSERT django_session",
        "ONE STATEMENT: UPDATE accounts_operator",  # last_login
        "ONE STATEMENT: INSERT core_auditevent",
        "ONE STATEMENT: UPDATE django_session",  # the signed-in data
    ]
    operator.refresh_from_db()
    assert operator.last_login is not None
    assert step.commits == 2
    assert client.get("/console/").status_code == 200


def test_console_unknown_email_runs_the_same_sql_as_a_wrong_password(client, operator):
    def failed(email):
        with recorded() as step:
            response = console_sign_in(client, email, "not the password at all")
        assert response.status_code == 200
        return step

    failed(operator.email), failed("nobody@example.com")
    assert failed(operator.email).shapes == failed("nobody@example.com").shapes
