"""The Django admin: every registered model has a row (made by a factory), and its
list (with search) and change pages load for a superuser without ever showing a
secret: password hashes, code and token hashes, TOTP keys."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    SECRET_HASH,
    AuditEventFactory,
    CodeFactory,
    GroupFactory,
    GroupMembershipFactory,
    IdentifierFactory,
    IdentityPoolFactory,
    MembershipFactory,
    OperatorFactory,
    PasswordCredentialFactory,
    PoolUserFactory,
    RateLimitBucketFactory,
    TOTPDeviceFactory,
    UserSchemaFactory,
    WorkspaceFactory,
    WorkspaceInvitationFactory,
)

pytestmark = pytest.mark.django_db


def _auth_group():
    from django.contrib.auth.models import Group

    return Group.objects.create(name="Support")


FACTORIES = {
    "auth.Group": _auth_group,
    "otp_totp.TOTPDevice": TOTPDeviceFactory,
    "core.RateLimitBucket": RateLimitBucketFactory,
    "core.AuditEvent": AuditEventFactory,
    "accounts.Operator": OperatorFactory,
    "identity_pools.PasswordCredential": PasswordCredentialFactory,
    "accounts.Code": CodeFactory,
    "workspaces.Workspace": WorkspaceFactory,
    "workspaces.Membership": MembershipFactory,
    "workspaces.WorkspaceInvitation": WorkspaceInvitationFactory,
    "identity_pools.UserSchema": UserSchemaFactory,
    "identity_pools.IdentityPool": IdentityPoolFactory,
    "identity_pools.PoolUser": PoolUserFactory,
    "identity_pools.Identifier": IdentifierFactory,
    "identity_pools.Group": GroupFactory,
    "identity_pools.GroupMembership": GroupMembershipFactory,
}

MODELS = list(admin.site._registry)


def test_every_admin_model_has_a_factory():
    assert {m._meta.label for m in MODELS} == set(FACTORIES)


def _secrets(obj) -> list[str]:
    """The secret values a row holds, none of which a page may show."""
    found = [SECRET_HASH]
    for field in ("code_hash", "token_hash"):
        value = getattr(obj, field, None)
        if value:
            found.append(str(value))
    if hasattr(obj, "bin_key"):  # a TOTP device's key (a rate-limit key is not secret)
        found.append(obj.key)
    password = getattr(obj, "password", "")
    if password and "$" in password:
        found.append(password.rsplit("$", 1)[-1])  # the hash itself
    return found


@pytest.fixture
def admin_client(client):
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_admin_pages_load_and_hide_secrets(admin_client, model):
    obj = FACTORIES[model._meta.label]()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    listed = admin_client.get(changelist, {"q": "a"})
    assert listed.status_code == 200
    assert admin_client.get(changelist).status_code == 200
    page = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    assert page.status_code == 200
    html = listed.content.decode() + page.content.decode()
    for secret in _secrets(obj):
        assert secret not in html, f"{opts.label} shows a secret"
