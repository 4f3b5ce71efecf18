"""An import call's limits are checked in one place,
``transfer.imports.import_limits_check``: the service itself refuses too many
records with the words the API answers in its 413."""

from __future__ import annotations

import pytest

from core.audit import SystemActor
from identity_pools.models import PoolUser
from identity_pools.transfer import imports


@pytest.mark.django_db
def test_the_service_refuses_too_many_records_in_words(pool):
    with pytest.raises(imports.ImportTooLarge, match="10,000") as refused:
        imports.pool_users_import(
            pool=pool,
            actor=SystemActor("tests"),
            records=[{}] * (imports.MAX_RECORDS + 1),
        )
    assert "10,000" in str(refused.value)
    assert not PoolUser.objects.exists()


def test_import_limits_check_at_and_over_each_limit():
    imports.import_limits_check(records=imports.MAX_RECORDS, size=imports.MAX_BYTES)
    with pytest.raises(imports.ImportTooLarge, match="10,000"):
        imports.import_limits_check(records=imports.MAX_RECORDS + 1)
    with pytest.raises(imports.ImportTooLarge, match="64"):
        imports.import_limits_check(size=imports.MAX_BYTES + 1)


@pytest.mark.django_db
def test_the_api_refuses_an_announced_length_over_the_limit(api_client, pool):
    response = api_client.post(
        f"/api/v1/pools/{pool.pk}/users/import",
        '{"users": []}',
        content_type="application/json",
        headers={"Content-Length": str(imports.MAX_BYTES + 1)},
    )
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["code"] == "too_large" and "64" in error["message"]
