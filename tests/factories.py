"""factory-boy factories, chained so that tenancy stays consistent."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.db import models

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
