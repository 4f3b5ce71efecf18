"""``core.fastpath.writes.Writes``: several writes in one statement, all or nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.fastpath.writes import Writes
from core.models import AuditEvent
from identity_pools.models import PoolDailyStat, PoolUser
from identity_pools.stats import pool_stat_add
from tests.factories import PoolUserFactory

pytestmark = pytest.mark.django_db


def event(action: str, workspace) -> AuditEvent:
    return AuditEvent(actor_type="system", workspace_id=workspace.pk, action=action)


def test_parts_land_together_and_report_the_rows_each_changed(workspace):
    user = PoolUserFactory(pool__workspace=workspace, display_name="Ann")
    writes = Writes()
    writes.update(PoolUser, where={"pk": user.pk}, display_name="Ann Lee")
    writes.insert(event("one", workspace))
    writes.update(PoolUser, where={"pk": user.pk, "display_name": "nobody"}, status="x")
    pool_stat_add(pool=user.pool, kind="sign_in", writes=writes)
    with CaptureQueriesContext(connection) as captured:
        counts = writes.run()
    assert counts == [1, 1, 0, 1]
    if connection.vendor == "postgresql":
        assert len(captured) == 1
    user.refresh_from_db()
    assert user.display_name == "Ann Lee" and user.status != "x"
    assert AuditEvent.objects.filter(action="one").count() == 1
    assert PoolDailyStat.objects.get(pool=user.pool, kind="sign_in").count == 1


def test_a_part_runs_only_when_or_unless_another_changed_a_row(workspace):
    user = PoolUserFactory(pool__workspace=workspace)
    writes = Writes()
    found = writes.update(PoolUser, where={"pk": user.pk}, display_name="A")
    missing = writes.delete(PoolUser, where={"pk": user.pk, "display_name": "none"})
    writes.insert(event("when found", workspace), when=found)
    writes.insert(event("when missing", workspace), when=missing)
    writes.insert(event("unless found", workspace), unless=found)
    writes.insert(event("unless missing", workspace), unless=missing)
    assert writes.run() == [1, 0, 1, 0, 0, 1]
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "when found",
        "unless missing",
    }


def test_a_failing_part_writes_nothing(workspace):
    user = PoolUserFactory(pool__workspace=workspace, display_name="Ann")
    writes = Writes()
    writes.update(PoolUser, where={"pk": user.pk}, display_name="Changed")
    writes.insert(event("lost", workspace))
    writes.insert(PoolUser(pk=user.pk, pool=user.pool))  # the key is taken
    with pytest.raises(IntegrityError), transaction.atomic():  # the test's savepoint
        writes.run()
    user.refresh_from_db()
    assert user.display_name == "Ann"
    assert not AuditEvent.objects.filter(action="lost").exists()


def test_parts_only_depend_on_earlier_parts():
    writes = Writes()
    with pytest.raises(ValueError):
        writes.insert(AuditEvent(action="x"), when=0)


def test_values_are_parameters_not_sql(workspace):
    user = PoolUserFactory(pool__workspace=workspace)
    hostile = "x'); DROP TABLE identity_pools_pooluser; --"
    writes = Writes()
    writes.update(PoolUser, where={"pk": user.pk}, display_name=hostile)
    assert writes.run() == [1]
    user.refresh_from_db()
    assert user.display_name == hostile
