"""The Django admin: every registered model's list and change pages load for a
superuser, with search and filters, and secrets never appear."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Code, PasswordCredential
from identity_pools.services.groups import group_assign_users
from tests.factories import (
    GroupFactory,
    MembershipFactory,
    OperatorFactory,
    PoolUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def data(db):
    membership = MembershipFactory()
    user = PoolUserFactory(pool__workspace=membership.workspace)
    group = GroupFactory(pool=user.pool)
    group_assign_users(group=group, actor=membership.operator, user_ids=[user.pk])
    PasswordCredential.objects.create(user=user, password="argon2id$secret-hash-value")
    Code.objects.create(
        user=user,
        purpose="invitation",
        code_hash="f" * 64,
        expires_at="2030-01-01T00:00:00Z",
    )
    return user


MODELS = list(admin.site._registry)


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_admin_pages_load(admin_client, data, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = admin_client.get(changelist, {"q": "a"})
    assert response.status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        page = admin_client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )
        assert page.status_code == 200
        html = page.content.decode()
        assert "secret-hash-value" not in html and "f" * 64 not in html
