"""``core.fastpath.copy.CopyTable``: many rows of one model in one statement
(COPY on PostgreSQL, ``executemany`` elsewhere), the defaults of the columns
not given filled in; rows that do not fit raise ``CopyError``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.fastpath.copy import CopyError, CopyTable
from identity_pools.ids import uuid7
from identity_pools.models import GroupMembership
from tests.factories import GroupFactory, PoolUserFactory

pytestmark = pytest.mark.django_db

MEMBERS = CopyTable(GroupMembership, ["id", "group_id", "user_id", "created_at"])


def test_rows_land_with_their_values():
    group = GroupFactory()
    users = [PoolUserFactory(pool=group.pool) for _ in range(3)]
    now = timezone.now()
    MEMBERS.insert([(uuid7().hex, group.pk, u.pk, now) for u in users])
    assert set(
        GroupMembership.objects.filter(group=group).values_list("user_id", flat=True)
    ) == {u.pk for u in users}


def test_no_rows_write_nothing():
    MEMBERS.insert([])
    assert not GroupMembership.objects.exists()


def test_a_field_the_model_lacks_is_a_copy_error():
    with pytest.raises(CopyError, match="no field"):
        CopyTable(GroupMembership, ["id", "nonsense"])


def test_a_row_of_another_width_is_a_copy_error_and_writes_nothing():
    group = GroupFactory()
    user = PoolUserFactory(pool=group.pool)
    good = (uuid7().hex, group.pk, user.pk, timezone.now())
    with pytest.raises(CopyError, match="values"):
        MEMBERS.insert([good, good[:3]])
    assert not GroupMembership.objects.exists()
    assert issubclass(CopyError, ValueError)  # not a management-command error
