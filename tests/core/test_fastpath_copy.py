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


def test_the_import_command_maps_a_copy_error_to_its_own(tmp_path, monkeypatch):
    """``manage.py import_users`` reports the bulk writer's error as a command
    error naming the batch; the writer itself raises no command error."""
    import io
    import json

    from django.core.management import CommandError, call_command

    from identity_pools.transfer import writes
    from tests.factories import IdentityPoolFactory

    def refuse(rows):
        raise CopyError("A PoolUser row has not 8 values.")

    monkeypatch.setattr(writes.USERS, "insert", refuse)
    pool = IdentityPoolFactory()
    source = tmp_path / "users.ndjson"
    record = {
        "identifiers": [{"type": "email", "value": "ann@example.com"}],
        "user_data": {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
    }
    source.write_text(json.dumps(record) + "\n")
    with pytest.raises(CommandError, match="Records 1 to 1 could not be written"):
        call_command(
            "import_users",
            "--pool",
            str(pool.pk),
            str(source),
            "--no-progress",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
