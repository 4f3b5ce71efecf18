"""The pool dashboard: users by status and the last 30 days' sign-ups, sign-ins and
failed sign-ins, drawn as server-side SVG from daily counters; tenancy and roles.
(Counting through the real flows and the backfill: test_dashboard_counting.py.)"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from identity_pools import charts
from identity_pools.models import PoolDailyStat
from identity_pools.stats import pool_stat_add, stats_today
from tests.factories import IdentityPoolFactory, PoolUserFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def dashboard_url(pool):
    return reverse("identity_pools:pool_dashboard", args=[pool.workspace.slug, pool.pk])


def stat(pool, days_ago, kind, count):
    PoolDailyStat.objects.create(
        pool=pool,
        day=stats_today() - dt.timedelta(days=days_ago),
        kind=kind,
        count=count,
    )


def chart(html: str, chart_id: str) -> ET.Element:
    """The chart ``chart_id`` of the page, parsed as XML."""
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id}"
    return ET.fromstring(match.group(0))


def bars(svg: ET.Element) -> list[tuple[str, int, str]]:
    """(day or label, value, text written on the bar) of each bar."""
    found = []
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == "chart-bar":
            written = [t.text for t in g.findall(f"{SVG}text")]
            found.append(
                (
                    g.get("data-day") or g.get("data-label"),
                    int(g.get("data-value")),
                    written,
                )
            )
    return found


def table_rows(html: str) -> list[list[str]]:
    body = re.search(
        r'<table class="table" id="dashboard-table">.*?</table>', html, re.S
    )
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", body.group(0), re.S)
    return [
        [
            re.search(r'datetime="([^"]+)"', row).group(1),
            *re.findall(r"<td>(\d+)</td>", row),
        ]
        for row in rows
    ]


def test_dashboard_shows_the_last_30_days_with_zero_days(owner_client, pool):
    today = stats_today()
    stat(pool, 0, "sign_in", 5)
    stat(pool, 3, "sign_in", 1234)
    stat(pool, 29, "sign_in", 3)
    stat(pool, 30, "sign_in", 99)  # 31 days ago: not shown
    stat(pool, 2, "sign_in_failed", 7)
    stat(pool, 1, "sign_up", 2)
    other = IdentityPoolFactory(workspace=pool.workspace)
    stat(other, 0, "sign_in", 1000)  # another pool's figures stay there

    response = owner_client.get(dashboard_url(pool))
    assert response.status_code == 200
    html = response.content.decode()

    sign_ins = bars(chart(html, "chart-sign_in"))
    assert len(sign_ins) == 30
    expected_days = [(today - dt.timedelta(days=29 - i)).isoformat() for i in range(30)]
    assert [day for day, _, _ in sign_ins] == expected_days
    values = {day: value for day, value, _ in sign_ins}
    assert values[today.isoformat()] == 5
    assert values[(today - dt.timedelta(days=3)).isoformat()] == 1234
    assert values[(today - dt.timedelta(days=29)).isoformat()] == 3
    assert sum(values.values()) == 5 + 1234 + 3
    assert sum(1 for v in values.values() if v == 0) == 27
    # Every bar says its value, zero days too ("1.2k" for 1,234), and the scale
    # is labelled up to a round maximum.
    written = {day: text for day, _, text in sign_ins}
    assert written[(today - dt.timedelta(days=3)).isoformat()][-1] == "1.2k"
    assert written[(today - dt.timedelta(days=4)).isoformat()][-1] == "0"
    svg = chart(html, "chart-sign_in")
    assert [
        t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-max"
    ] == ["1,500"]
    # Dates on the axis, a title and a description for screen readers.
    axis = [
        t.text for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-axis" for t in g
    ]
    labelled = [today - dt.timedelta(days=n) for n in (28, 21, 14, 7, 0)]
    assert axis == [f"{d.day} {d:%b}" for d in labelled]  # every 7th day to today
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-sign_in-title chart-sign_in-desc"
    assert "1,242 sign-ins in all" in svg.find(f"{SVG}desc").text

    failed = {day: v for day, v, _ in bars(chart(html, "chart-sign_in_failed"))}
    assert failed[(today - dt.timedelta(days=2)).isoformat()] == 7
    assert sum(failed.values()) == 7
    ups = {day: v for day, v, _ in bars(chart(html, "chart-sign_up"))}
    assert sum(ups.values()) == 2

    # The same figures as a table: day, sign-ups, sign-ins, failed sign-ins.
    rows = table_rows(html)
    assert len(rows) == 30
    assert rows[0] == [(today - dt.timedelta(days=29)).isoformat(), "0", "3", "0"]
    assert rows[-1] == [today.isoformat(), "0", "5", "0"]
    assert rows[-2] == [(today - dt.timedelta(days=1)).isoformat(), "2", "0", "0"]


def test_dashboard_users_by_status(owner_client, pool):
    for status, n in (("active", 3), ("new", 2), ("inactive", 1)):
        for _ in range(n):
            PoolUserFactory(pool=pool, status=status)
    PoolUserFactory(pool=IdentityPoolFactory(workspace=pool.workspace))
    html = owner_client.get(dashboard_url(pool)).content.decode()
    status = bars(chart(html, "chart-status"))
    assert [(label, value) for label, value, _ in status] == [
        ("New", 2),
        ("Active", 3),
        ("Inactive", 1),
    ]
    assert status[1][2] == ["Active", "3 (50%)"]


def test_dashboard_of_an_empty_pool(owner_client, pool):
    html = owner_client.get(dashboard_url(pool)).content.decode()
    svg = chart(html, "chart-sign_in")
    assert [v for _, v, _ in bars(svg)] == [0] * 30
    assert "No sign-ins on any of these days." in svg.find(f"{SVG}desc").text
    assert "0 users" in chart(html, "chart-status").find(f"{SVG}desc").text


def test_dashboard_query_count_is_constant(
    owner_client, pool, django_assert_num_queries
):
    url = dashboard_url(pool)
    owner_client.get(url)  # the session, warmed
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        owner_client.get(url)
    for days_ago in range(40):
        for kind in PoolDailyStat.Kind.values:
            stat(pool, days_ago, kind, days_ago + 1)
    for status in ("new", "active", "inactive"):
        PoolUserFactory.create_batch(3, pool=pool, status=status)
    with django_assert_num_queries(len(empty.captured_queries)):
        response = owner_client.get(url)
    assert response.status_code == 200
    dashboard = [
        q["sql"] for q in empty.captured_queries if "pooldailystat" in q["sql"]
    ]
    assert len(dashboard) == 1


def test_dashboard_of_another_workspace_is_404(client, pool, member_of):
    stranger = member_of(WorkspaceFactory())
    client.force_login(stranger)
    assert client.get(dashboard_url(pool)).status_code == 404
    mine = IdentityPoolFactory(workspace=stranger.memberships.get().workspace)
    foreign = reverse(
        "identity_pools:pool_dashboard", args=[mine.workspace.slug, pool.pk]
    )
    assert client.get(foreign).status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN, Role.OWNER])
def test_dashboard_every_member_sees_it(client, pool, member_of, role):
    stat(pool, 0, "sign_in", 4)
    client.force_login(member_of(pool.workspace, role))
    response = client.get(dashboard_url(pool))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post"' not in html.split('<nav class="tabs"')[1]
    assert 'aria-current="page">Dashboard</a>' in html


def test_pool_stat_add_upserts(pool):
    pool_stat_add(pool=pool, kind="sign_in")
    pool_stat_add(pool=pool, kind="sign_in")
    pool_stat_add(pool=pool, kind="sign_up")
    assert dict(
        PoolDailyStat.objects.filter(pool=pool, day=stats_today()).values_list(
            "kind", "count"
        )
    ) == {"sign_in": 2, "sign_up": 1}
    with pytest.raises(ValueError):
        pool_stat_add(pool=pool, kind="signed_in")


def test_chart_scale_and_labels():
    assert [
        charts.nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 99, 101, 1234, 27000)
    ] == [1, 1, 3, 8, 10, 15, 100, 150, 1500, 30000]
    assert [
        charts.short_number(n) for n in (0, 999, 1234, 12345, 123456, 2_500_000)
    ] == [
        "0",
        "999",
        "1.2k",
        "12k",
        "123k",
        "2.5M",
    ]
    svg = charts.status_bar_chart(chart_id="c", title="<b>", rows=[("<script>", 1)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_status_counts_follow_every_kind_of_write(pool, workspace):
    """The counters the database keeps (PostgreSQL and SQLite): inserts (COPY too), status changes and
    deletes, per pool; deleting a pool takes its counters with it."""
    import io

    from django.core.management import call_command

    from identity_pools.models import IdentityPool, PoolStatusCount, PoolUser
    from identity_pools.services.users import pool_user_delete, pool_user_set_status
    from identity_pools.stats import pool_status_counts

    def counted(p):
        return pool_status_counts(pool=p).counts

    def truth(p):
        users = PoolUser.objects.for_pool(p)
        return {s: users.filter(status=s).count() for s in PoolUser.Status.values}

    ann = PoolUserFactory(pool=pool, status="new")
    bob = PoolUserFactory(pool=pool, status="active")
    other = IdentityPoolFactory(workspace=workspace)
    PoolUserFactory(pool=other, status="inactive")
    assert counted(pool) == {"new": 1, "active": 1, "inactive": 0}
    pool_user_set_status(user=bob, actor=None, status="inactive")
    assert counted(pool) == truth(pool) == {"new": 1, "active": 0, "inactive": 1}
    pool_user_delete(user=ann, actor=None)
    call_command("seed_users", pool=str(pool.pk), count=200, stdout=io.StringIO())
    assert counted(pool) == truth(pool)
    assert counted(other) == {"new": 0, "active": 0, "inactive": 1}
    IdentityPool.objects.filter(pk=other.pk).delete()
    assert not PoolStatusCount.objects.filter(pool_id=other.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_pool_commits_with_its_counters(workspace):
    """Committed, so that deferred foreign keys are checked: the delete
    trigger must not write a counter for the pool being deleted."""
    from identity_pools.models import IdentityPool, PoolStatusCount
    from identity_pools.services.pools import pool_delete

    doomed = IdentityPoolFactory(workspace=workspace)
    for status in ("new", "active", "inactive"):
        PoolUserFactory(pool=doomed, status=status)
    pool_delete(pool=doomed, actor=None, confirm_name=doomed.name)
    assert not IdentityPool.objects.filter(pk=doomed.pk).exists()
    assert not PoolStatusCount.objects.filter(pool_id=doomed.pk).exists()
