import pytest
from django.urls import reverse

from tests.factories import GroupFactory, IdentityPoolFactory, PoolUserFactory

GOOD_PASSWORD = "a long enough passphrase 2026"
ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}
# Create User's form for Ann, inviting her by email.
USER_FORM = {
    "identifier": "ann@example.com",
    "data_given_name": "Ann",
    "data_family_name": "Lee",
    "data_name": "Ann Lee",
    "mode": "invite",
}


@pytest.fixture
def pool(workspace):
    return IdentityPoolFactory(workspace=workspace, name="Customers")


@pytest.fixture
def pool_user(pool):
    return PoolUserFactory(pool=pool, email="ann@example.com")


@pytest.fixture
def group(pool):
    return GroupFactory(pool=pool, name="Employees")


@pytest.fixture
def url(workspace, pool):
    """url("pool_user_list") → that URL of ``pool``; extra args after the pool id.
    A name with its namespace ("accounts:pool_user_unlock") is taken as it is."""

    def make(name, *args):
        name = name if ":" in name else f"identity_pools:{name}"
        return reverse(name, args=[workspace.slug, pool.pk, *args])

    return make


def form_errors(response, field=None, form="form"):
    """Error codes of a form in a response, for one field or all fields."""
    errors = response.context[form].errors.as_data()
    if field is not None:
        return [e.code for e in errors.get(field, [])]
    return {name: [e.code for e in errs] for name, errs in errors.items()}
