"""factory-boy factories, chained so that tenancy stays consistent."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from workspaces.models import Membership, Role, Workspace

PASSWORD = "correct horse battery staple 42"


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"operator{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    operator = factory.SubFactory(OperatorFactory)
    role = Role.OWNER


# --- identity pools ---------------------------------------------------------------


class IdentityPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "identity_pools.IdentityPool"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Pool {n}")
    description = "Customers"


class PoolUserFactory(factory.django.DjangoModelFactory):
    """A user with one email identifier (``email=`` to choose it)."""

    class Meta:
        model = "identity_pools.PoolUser"
        skip_postgeneration_save = True

    pool = factory.SubFactory(IdentityPoolFactory)
    status = "active"
    user_data = factory.LazyAttributeSequence(
        lambda o, n: {
            "given_name": "Ann",
            "family_name": f"Lee{n}",
            "name": f"Ann Lee{n}",
        }
    )
    display_name = factory.LazyAttribute(lambda o: o.user_data.get("name", ""))

    @factory.post_generation
    def email(self, create, extracted, **kwargs):
        from identity_pools.models import Identifier

        if create:
            Identifier.objects.create(
                pool=self.pool,
                user=self,
                type="email",
                value=extracted or f"user-{self.pk.hex}@example.com",
            )
            type(self.pool).objects.filter(pk=self.pool.pk).update(
                user_count=models.F("user_count") + 1
            )


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "identity_pools.Group"

    pool = factory.SubFactory(IdentityPoolFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


def _builtin_user_data() -> dict:
    import copy

    from identity_pools.user_schemas.builtin import USER_DATA

    return copy.deepcopy(USER_DATA)


class UserSchemaFactory(factory.django.DjangoModelFactory):
    """A workspace's own user-data schema (a copy of the built-in document)."""

    class Meta:
        model = "identity_pools.UserSchema"

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = "user_data"
    name = factory.Sequence(lambda n: f"Schema {n}")
    description = ""
    document = factory.LazyFunction(_builtin_user_data)


class IdentifierFactory(factory.django.DjangoModelFactory):
    """An extra identifier of a user (``PoolUserFactory`` makes the first one)."""

    class Meta:
        model = "identity_pools.Identifier"

    user = factory.SubFactory(PoolUserFactory)
    pool = factory.SelfAttribute("user.pool")
    type = "email"
    value = factory.Sequence(lambda n: f"extra{n}@example.com")


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "identity_pools.GroupMembership"

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(
        PoolUserFactory, pool=factory.SelfAttribute("..group.pool")
    )


SECRET_HASH = "argon2$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$secret-hash-value"


class PasswordCredentialFactory(factory.django.DjangoModelFactory):
    """A password credential whose stored hash is a recognisable secret string."""

    class Meta:
        model = "identity_pools.PasswordCredential"

    user = factory.SubFactory(PoolUserFactory)
    password = SECRET_HASH


class CodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Code"

    user = factory.SubFactory(PoolUserFactory)
    purpose = "invitation"
    code_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class WorkspaceInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workspaces.WorkspaceInvitation"

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.VIEWER
    token_hash = factory.Sequence(lambda n: f"{n + 7:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "otp_totp.TOTPDevice"

    user = factory.SubFactory(OperatorFactory)
    name = "Authenticator app"
    confirmed = True


class RateLimitBucketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.RateLimitBucket"

    key = factory.Sequence(lambda n: f"{n + 99:064x}")
    count = 3
    window_ends_at = factory.LazyFunction(
        lambda: timezone.now() + timedelta(minutes=15)
    )


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.AuditEvent"

    actor_type = "system"
    actor_label = "tests"
    action = "test.event"
    details = factory.LazyFunction(lambda: {"answer": 42})
