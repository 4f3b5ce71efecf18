"""The password hashes moved from ``accounts`` to the directory
(``identity_pools.credentials``) with their rows: accounts 0015 and
identity_pools 0023 change Django's state only, so a database holding
credentials and earlier passwords from before signs the same users in after."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.flows.sign_in import sign_in_password
from identity_pools.credentials import PasswordCredential, PasswordHistory
from identity_pools.models import Identifier
from tests.factories import IdentityPoolFactory, PoolUserFactory

pytestmark = pytest.mark.django_db

BEFORE = [
    ("accounts", "0016_oidc_models_to_oidc"),
    ("identity_pools", "0022_imported_hash_limits"),
]
AFTER = [
    ("accounts", "0017_password_credentials_to_identity_pools"),
    ("identity_pools", "0023_password_credentials_from_accounts"),
]
PASSWORD = "a long enough passphrase for 2026"
EARLIER = "an earlier passphrase from 2025"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_credentials_from_before_the_move_sign_in_after_it(workspace):
    pool = IdentityPoolFactory(workspace=workspace)
    ann = PoolUserFactory(pool=pool, email="ann@example.com")
    Identifier.objects.filter(user=ann).update(is_verified=True)
    old = _migrate(BEFORE)
    old.get_model("accounts", "PasswordCredential").objects.create(
        user_id=ann.pk, password=make_password(PASSWORD), state="must_change"
    )
    old.get_model("accounts", "PasswordHistory").objects.create(
        user_id=ann.pk, password=make_password(EARLIER)
    )
    types = old.get_model("contenttypes", "ContentType").objects
    types.filter(app_label="identity_pools", model="passwordcredential").delete()
    types.get_or_create(app_label="accounts", model="passwordcredential")

    new = _migrate(AFTER)

    credential = PasswordCredential.objects.get(user=ann)
    assert credential.state == "must_change"
    assert PasswordHistory.objects.filter(user=ann).count() == 1
    assert (
        sign_in_password(
            pool=pool, identifier="ann@example.com", password=PASSWORD, ip="10.0.0.1"
        ).user
        == ann
    )
    labels = set(
        new.get_model("contenttypes", "ContentType")
        .objects.filter(model="passwordcredential")
        .values_list("app_label", flat=True)
    )
    assert labels == {"identity_pools"}
