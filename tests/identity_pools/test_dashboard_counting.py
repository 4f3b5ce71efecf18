"""The dashboard's daily counters: incremented by the real hosted flows (sign-in,
failed sign-in, self-registration, invitation), concurrency-safe, and rebuilt
from the audit trail by ``manage.py backfill_pool_stats`` to the same figures."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.authenticators.passwords.services import password_set
from core.models import AuditEvent
from identity_pools.models import PoolDailyStat
from identity_pools.services import users
from identity_pools.stats import pool_stat_add, pool_stats_backfill, stats_today
from tests.conftest import hosted_url as hosted
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase for 2026"
ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, self_registration_enabled=True)


def sign_in(client, pool, identifier, password):
    client.post(hosted(pool, "sign_in"), {"identifier": identifier})
    return client.post(hosted(pool, "sign_in_password"), {"password": password})


def counters(pool=None) -> dict[tuple[str, str], int]:
    """{(day, kind): count} of ``pool`` (or of every pool)."""
    rows = PoolDailyStat.objects.all()
    if pool is not None:
        rows = rows.filter(pool=pool)
    return {(r.day.isoformat(), r.kind): r.count for r in rows}


def today(kind: str) -> tuple[str, str]:
    return (stats_today().isoformat(), kind)


def self_register(client, pool, callbacks, identifier):
    with callbacks(execute=True):
        response = client.post(
            hosted(pool, "signup"),
            {
                "identifier": identifier,
                "data_given_name": "Nia",
                "data_family_name": "Okafor",
                "data_name": "Nia Okafor",
                "password1": GOOD,
                "password2": GOOD,
            },
        )
    assert response.status_code == 302


def accept_invitation(client, pool, owner, mailoutbox, callbacks, identifier):
    with callbacks(execute=True):
        users.pool_user_create(
            pool=pool, actor=owner, identifier=identifier, user_data=ANN, mode="invite"
        )
    link = re.search(r"(http://\S+/invitation/\S+/)", mailoutbox[-1].body).group(1)
    path = link.removeprefix("http://localhost:8000")
    response = client.post(path, {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 302


def test_sign_ins_and_failures_are_counted(client, pool, ann):
    assert sign_in(client, pool, "ann@example.com", GOOD).status_code == 302
    client.post(hosted(pool, "signout"))
    assert (
        sign_in(client, pool, "ann@example.com", "not the password").status_code == 200
    )
    # An identifier the pool does not know is a failed sign-in of the pool too.
    sign_in(client, pool, "nobody@example.com", "not the password")
    assert counters(pool) == {today("sign_in"): 1, today("sign_in_failed"): 2}


def test_sign_ups_are_counted(
    client, pool, owner, mailoutbox, django_capture_on_commit_callbacks
):
    self_register(client, pool, django_capture_on_commit_callbacks, "nia@example.com")
    assert counters(pool) == {today("sign_up"): 1}
    # An operator's invitation is not a sign-up; its acceptance is.
    accept_invitation(
        client,
        pool,
        owner,
        mailoutbox,
        django_capture_on_commit_callbacks,
        "bo@example.com",
    )
    assert counters(pool) == {today("sign_up"): 2}


def test_operator_created_users_are_not_sign_ups(pool, owner):
    users.pool_user_create(
        pool=pool,
        actor=owner,
        identifier="cy@example.com",
        user_data=ANN,
        mode="credentials",
        password=GOOD,
    )
    assert counters(pool) == {}


def test_backfill_gives_what_live_counting_gave(
    client, pool, ann, owner, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, pool, "ann@example.com", GOOD)
    client.post(hosted(pool, "signout"))
    sign_in(client, pool, "ann@example.com", "wrong, twice")
    sign_in(client, pool, "ann@example.com", "wrong, twice")
    self_register(client, pool, django_capture_on_commit_callbacks, "nia@example.com")
    accept_invitation(
        client,
        pool,
        owner,
        mailoutbox,
        django_capture_on_commit_callbacks,
        "bo@example.com",
    )
    # Yesterday's events too (moved back a day, counters as they were then).
    yesterday = stats_today() - dt.timedelta(days=1)
    event = AuditEvent.objects.filter(action="pool_user.signed_in").first()
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=event.created_at - dt.timedelta(days=1)
    )
    PoolDailyStat.objects.filter(pool=pool, kind="sign_in").update(day=yesterday)
    other = IdentityPoolFactory(workspace=pool.workspace)
    bo = PoolUserFactory(pool=other, email="bo@other.example")
    password_set(user=bo, raw_password=GOOD)
    sign_in(client, other, "bo@other.example", GOOD)

    live = counters()
    assert live[(yesterday.isoformat(), "sign_in")] == 1
    assert live[today("sign_in_failed")] == 2 and live[today("sign_up")] == 2
    PoolDailyStat.objects.all().delete()
    out = call_command_output("backfill_pool_stats")
    assert "4 daily counters written" in out
    assert counters() == live
    # Again: nothing changes; and a counter never goes down.
    PoolDailyStat.objects.filter(pool=pool, kind="sign_up").update(count=10)
    call_command_output("backfill_pool_stats")
    assert counters(pool)[today("sign_up")] == 10
    assert counters(pool)[today("sign_in_failed")] == 2


def call_command_output(*args, **kwargs) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_backfill_of_one_pool_since_a_day(pool, ann):
    other = IdentityPoolFactory(workspace=pool.workspace)
    bo = PoolUserFactory(pool=other)
    now = timezone.now()
    for user, days_ago in ((ann, 0), (ann, 0), (ann, 5), (ann, 40), (bo, 0)):
        event = AuditEvent.objects.create(
            action="pool_user.signed_in",
            workspace_id=user.pool.workspace_id,
            target_type="identity_pools.pooluser",
            target_id=str(user.pk),
            actor_type="pool_user",
        )
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=now - dt.timedelta(days=days_ago)
        )
    # Not attributable to a pool: an unknown identifier, a deleted user.
    AuditEvent.objects.create(action="pool_user.sign_in_failed", target_type="")
    AuditEvent.objects.create(
        action="pool_user.signed_in",
        target_type="identity_pools.pooluser",
        target_id="0190c1b2-0000-7000-8000-000000000000",
    )
    call_command(
        "backfill_pool_stats",
        pool=str(pool.pk),
        since=(stats_today() - dt.timedelta(days=30)).isoformat(),
        stdout=None,
    )
    day = stats_today() - dt.timedelta(days=5)
    assert counters() == {today("sign_in"): 2, (day.isoformat(), "sign_in"): 1}
    assert pool_stats_backfill() == 4  # every pool, every day
    assert counters(other) == {today("sign_in"): 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_all_count(pool):
    from django.db import close_old_connections, transaction

    errors = []

    def work():
        try:
            for _ in range(25):
                with transaction.atomic():
                    pool_stat_add(pool=pool, kind="sign_in")
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counters(pool) == {today("sign_in"): 100}
