"""factory-boy factories, chained so that tenancy stays consistent."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

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
