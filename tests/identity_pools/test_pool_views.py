import re

import pytest
from django.urls import reverse

from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import GroupMembership, IdentityPool, PoolUser
from tests.factories import (
    GroupFactory,
    IdentityPoolFactory,
    MembershipFactory,
    PoolUserFactory,
    WorkspaceFactory,
)
from tests.identity_pools.conftest import GOOD_PASSWORD, USER_FORM, form_errors
from workspaces.models import Role

pytestmark = pytest.mark.django_db


# --- pools ---------------------------------------------------------------------------


def test_users_nav_opens_pool_list_and_create_pool(owner_client, workspace):
    page = owner_client.get(
        reverse("workspaces:workspace_dashboard", args=[workspace.slug])
    )
    assert (
        reverse("identity_pools:pool_list", args=[workspace.slug])
        in page.content.decode()
    )
    html = owner_client.get(
        reverse("identity_pools:pool_list", args=[workspace.slug])
    ).content.decode()
    assert "Create Pool" in html
    form = owner_client.get(
        reverse("identity_pools:pool_create", args=[workspace.slug])
    ).content.decode()
    assert (
        ">Pool name" in form and ">Description" in form and ">Create</button>" in form
    )
    response = owner_client.post(
        reverse("identity_pools:pool_create", args=[workspace.slug]),
        {"name": "Customers", "description": "Shop customers"},
        follow=True,
    )
    pool = IdentityPool.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "identity_pools:pool_user_list", args=[workspace.slug, pool.pk]
    )
    html = response.content.decode()
    assert "The pool is created but has no users yet" in html
    for way in (
        "Enable self-registration",
        "Migrate users using APIs",
        "Manually add users",
    ):
        assert way in html
    for tab in (">Users<", ">Groups<", ">Settings<"):
        assert tab in html


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 101}, "name", "max_length"),
        ({"name": "ok", "description": "d" * 1001}, "description", "max_length"),
        ({"name": "customers"}, "name", "pool_name_taken"),
    ],
)
def test_create_pool_bad_input(owner_client, workspace, data, field, code):
    IdentityPoolFactory(workspace=workspace, name="Customers")
    response = owner_client.post(
        reverse("identity_pools:pool_create", args=[workspace.slug]), data
    )
    assert response.status_code == 200 and form_errors(response, field) == [code]
    assert IdentityPool.objects.count() == 1


def test_pool_settings_edit_and_delete_with_counts(owner_client, workspace, pool, url):
    PoolUserFactory(pool=pool)
    GroupFactory(pool=pool)
    response = owner_client.post(
        url("pool_settings"), {"name": "Shoppers", "description": "x"}
    )
    assert response.status_code == 302
    pool.refresh_from_db()
    assert pool.name == "Shoppers"
    page = owner_client.get(url("pool_delete")).content.decode()
    assert "1 user" in page and "1 group" in page
    wrong = owner_client.post(url("pool_delete"), {"confirm_name": "shoppers"})
    assert form_errors(wrong, "confirm_name") == ["pool_confirm_mismatch"]
    owner_client.post(url("pool_delete"), {"confirm_name": "Shoppers"})
    assert not IdentityPool.objects.exists()


def test_pool_detail_redirects_to_users_tab(owner_client, url):
    assert owner_client.get(url("pool_detail"))["Location"] == url("pool_user_list")


# --- Create User ---------------------------------------------------------------------


def test_create_user_form_follows_the_schema(owner_client, url):
    html = owner_client.get(url("pool_user_create")).content.decode()
    assert ">Email/Mobile" in html
    for label in ("Given name", "Family name", "Name", "Birthdate", "Website"):
        assert f">{label}" in html
    assert 'type="date"' in html
    assert "Send invitation" in html and "Set credentials" in html
    assert "User must change password at first sign-in" in html


def test_create_user_send_invitation(
    owner_client, url, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("pool_user_create"), USER_FORM, follow=True)
    user = PoolUser.objects.get()
    assert user.status == "new" and user.user_data == {
        "given_name": "Ann",
        "family_name": "Lee",
        "name": "Ann Lee",
    }
    assert "invitation was sent" in response.content.decode()
    assert re.search(r"/w/[\w-]+/invitation/\S+/", mailoutbox[0].body)


def test_create_user_set_credentials(owner_client, url):
    data = {
        **USER_FORM,
        "mode": "credentials",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "must_change_password": "on",
    }
    response = owner_client.post(url("pool_user_create"), data)
    user = PoolUser.objects.get()
    assert response["Location"] == url("pool_user_detail", user.pk)
    assert user.status == "active"
    assert PasswordCredential.objects.get(user=user).state == "must_change"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"identifier": ""}, "identifier", "required"),
        ({"identifier": "ann@"}, "identifier", "identifier_invalid"),
        ({"identifier": "07911 123456"}, "identifier", "identifier_invalid"),
        ({"identifier": "a" * 255}, "identifier", "max_length"),
        ({"data_given_name": ""}, "data_given_name", "required"),
        ({"data_family_name": "x" * 101}, "data_family_name", "max_length"),
        ({"data_birthdate": "1990-02-31"}, "data_birthdate", "invalid"),
        ({"data_website": "javascript:alert(1)"}, "data_website", "invalid"),
        ({"mode": "magic"}, "mode", "invalid_choice"),
        ({"mode": "credentials"}, "password1", "required"),
        (
            {"mode": "credentials", "password1": GOOD_PASSWORD, "password2": "other"},
            "password2",
            "password_mismatch",
        ),
        (
            {"mode": "credentials", "password1": "tooshort", "password2": "tooshort"},
            "password1",
            "password_too_short",
        ),
        (
            {
                "mode": "credentials",
                "password1": "ann@example.com is me!",
                "password2": "ann@example.com is me!",
            },
            "password1",
            "password_contains_identifier",
        ),
    ],
)
def test_create_user_bad_input_is_a_clear_form_error(
    owner_client, url, change, field, code
):
    response = owner_client.post(url("pool_user_create"), {**USER_FORM, **change})
    assert response.status_code == 200
    assert code in form_errors(response, field), form_errors(response)
    assert (
        "There is a problem" in response.content.decode()
        or "problems" in response.content.decode()
    )
    assert not PoolUser.objects.exists()


def test_create_user_duplicate_is_a_form_error(owner_client, url, pool):
    PoolUserFactory(pool=pool, email="ann@example.com")
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "identifier": "ANN@example.com"}
    )
    assert form_errors(response, "identifier") == ["identifier_taken"]
    assert "already used by another user in this pool" in response.content.decode()


def test_create_user_keeps_what_was_typed_after_an_error(owner_client, url):
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "identifier": "bad"}
    )
    html = response.content.decode()
    assert 'value="Ann Lee"' in html and 'value="bad"' in html


# --- Users tab -----------------------------------------------------------------------


def test_users_list_search_and_filters(owner_client, pool, url, group, owner):
    from identity_pools.services.groups import group_assign_users

    ann = PoolUserFactory(
        pool=pool,
        email="ann@example.com",
        user_data={"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"},
        display_name="Ann Lee",
    )
    bob = PoolUserFactory(
        pool=pool,
        email="bob@example.com",
        status="inactive",
        user_data={"given_name": "Bob", "family_name": "Stone", "name": "Bob Stone"},
        display_name="Bob Stone",
    )
    PoolUserFactory(
        pool=IdentityPoolFactory(workspace=pool.workspace), email="ann@other.com"
    )
    group_assign_users(group=group, actor=owner, user_ids=[bob.pk])

    def shown(**params):
        return [
            u.pk
            for u in owner_client.get(url("pool_user_list"), params)
            .context["page"]
            .items
        ]

    assert shown() == [bob.pk, ann.pk]  # newest first
    assert shown(q="ANN@") == [ann.pk]
    assert shown(q="bo", by="identifier") == [bob.pk]
    assert shown(q="stone") == [bob.pk]  # name contains
    assert shown(q="ee", by="name") == [ann.pk]
    assert shown(status="inactive") == [bob.pk]
    assert shown(status="bogus") == [bob.pk, ann.pk]
    assert shown(group=str(group.pk)) == [bob.pk]
    assert shown(q="nobody") == []
    foreign_group = GroupFactory()
    assert (
        owner_client.get(
            url("pool_user_list"), {"group": str(foreign_group.pk)}
        ).status_code
        == 404
    )
    assert (
        owner_client.get(url("pool_user_list"), {"group": "not-a-uuid"}).status_code
        == 404
    )


def test_users_list_pages_with_keyset_cursor(owner_client, pool, url):
    created = [PoolUserFactory(pool=pool) for _ in range(55)]
    first = owner_client.get(url("pool_user_list")).context["page"]
    assert len(first.items) == 50 and first.has_next
    second = owner_client.get(
        url("pool_user_list"), {"after": first.next_cursor}
    ).context["page"]
    assert len(second.items) == 5 and not second.has_next
    assert {u.pk for u in first.items + second.items} == {u.pk for u in created}
    assert owner_client.get(url("pool_user_list"), {"after": "junk"}).status_code == 200


@pytest.mark.parametrize(
    "params", [{}, {"q": "user-"}, {"q": "lee"}, {"status": "active"}]
)
def test_users_list_query_count_does_not_grow(owner_client, pool, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url("pool_user_list"), params).status_code == 200
        return len(ctx.captured_queries)

    PoolUserFactory(pool=pool)
    small = count()
    for _ in range(60):
        PoolUserFactory(pool=pool)
    GroupFactory(pool=pool)
    assert count() == small


def test_group_member_list_query_count_does_not_grow(
    owner_client, pool, group, url, owner
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from identity_pools.services.groups import group_assign_users

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url("group_detail", group.pk)).status_code == 200
        return len(ctx.captured_queries)

    group_assign_users(
        group=group, actor=owner, user_ids=[PoolUserFactory(pool=pool).pk]
    )
    small = count()
    group_assign_users(
        group=group,
        actor=owner,
        user_ids=[PoolUserFactory(pool=pool).pk for _ in range(60)],
    )
    assert count() == small


# --- user page -----------------------------------------------------------------------


def test_user_page_shows_everything(owner_client, pool_user, url, group, owner):
    from identity_pools.services.groups import group_assign_users

    group_assign_users(group=group, actor=owner, user_ids=[pool_user.pk])
    html = owner_client.get(url("pool_user_detail", pool_user.pk)).content.decode()
    for text in (
        "ann@example.com",
        "Given name",
        "Metadata",
        "Employees",
        "History",
        "Deactivate",
        "Delete",
    ):
        assert text in html


def test_user_page_edit_data_and_metadata(owner_client, pool_user, url):
    form = owner_client.get(url("pool_user_data", pool_user.pk)).content.decode()
    assert 'value="Ann"' in form
    bad = owner_client.post(
        url("pool_user_data", pool_user.pk),
        {"data_given_name": "", "data_family_name": "Lee", "data_name": "A"},
    )
    assert form_errors(bad, "data_given_name") == ["required"]
    owner_client.post(
        url("pool_user_data", pool_user.pk),
        {"data_given_name": "Anna", "data_family_name": "Lee", "data_name": "Anna Lee"},
    )
    pool_user.refresh_from_db()
    assert (
        pool_user.user_data["given_name"] == "Anna"
        and pool_user.display_name == "Anna Lee"
    )
    owner_client.post(
        url("pool_user_metadata", pool_user.pk), {"data_external_id": "crm-9"}
    )
    pool_user.refresh_from_db()
    assert pool_user.metadata == {"external_id": "crm-9"}


def test_user_page_identifiers(owner_client, pool_user, url):
    response = owner_client.post(
        url("pool_user_identifier_add", pool_user.pk), {"identifier": "+44 7911 123456"}
    )
    assert response.status_code == 302
    bad = owner_client.post(
        url("pool_user_identifier_add", pool_user.pk), {"identifier": "nonsense"}
    )
    assert form_errors(bad, "identifier") == ["identifier_invalid"]
    phone = pool_user.identifiers.get(type="phone")
    owner_client.post(url("pool_user_identifier_remove", pool_user.pk, phone.pk))
    last = pool_user.identifiers.get()
    response = owner_client.post(
        url("pool_user_identifier_remove", pool_user.pk, last.pk), follow=True
    )
    assert "at least one email or mobile" in response.content.decode()
    assert pool_user.identifiers.count() == 1


def test_user_page_status_delete_and_groups(owner_client, pool, pool_user, url, group):
    owner_client.post(url("pool_user_status", pool_user.pk), {"status": "inactive"})
    assert PoolUser.objects.get().status == "inactive"
    owner_client.post(
        url("pool_user_group_add", pool_user.pk), {"group": str(group.pk)}
    )
    assert GroupMembership.objects.filter(group=group, user=pool_user).exists()
    foreign = GroupFactory()
    bad = owner_client.post(
        url("pool_user_group_add", pool_user.pk), {"group": str(foreign.pk)}
    )
    assert form_errors(bad, "group") == ["invalid_choice"]
    owner_client.post(url("pool_user_group_remove", pool_user.pk, group.pk))
    assert not GroupMembership.objects.exists()
    assert (
        "Delete"
        in owner_client.get(url("pool_user_delete", pool_user.pk)).content.decode()
    )
    owner_client.post(url("pool_user_delete", pool_user.pk))
    assert not PoolUser.objects.exists()
    pool.refresh_from_db()
    assert pool.user_count == 0


def test_resend_invitation_button(
    owner_client, pool, url, mailoutbox, django_capture_on_commit_callbacks, time_passes
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("pool_user_create"), USER_FORM)
    user = PoolUser.objects.get()
    assert (
        "Resend invitation"
        in owner_client.get(url("pool_user_detail", user.pk)).content.decode()
    )
    # At most one message a minute to one address.
    with django_capture_on_commit_callbacks(execute=True):
        too_soon = owner_client.post(
            url("pool_user_invitation_resend", user.pk), follow=True
        )
    assert "less than a minute ago" in too_soon.content.decode()
    assert len(mailoutbox) == 1
    time_passes(61)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("pool_user_invitation_resend", user.pk))
    assert len(mailoutbox) == 2


# --- groups --------------------------------------------------------------------------


def test_groups_tab_create_assign_and_remove(owner_client, pool, url):
    users = [PoolUserFactory(pool=pool) for _ in range(3)]
    html = owner_client.get(url("group_list")).content.decode()
    assert "Create Group" in html
    response = owner_client.post(
        url("group_create"), {"name": "IT Admins", "description": "Ops"}
    )
    group = pool.groups.get()
    assert response["Location"] == url("group_detail", group.pk)
    dup = owner_client.post(url("group_create"), {"name": "it admins"})
    assert form_errors(dup, "name") == ["group_name_taken"]

    page = owner_client.get(url("group_assign_users", group.pk)).content.decode()
    assert page.count('name="users"') == 3
    owner_client.post(
        url("group_assign_users", group.pk), {"users": [str(u.pk) for u in users[:2]]}
    )
    again = owner_client.post(
        url("group_assign_users", group.pk), {"users": [str(users[0].pk)]}, follow=True
    )
    assert (
        "0 users" in again.content.decode()
        and "1 was already a member" in again.content.decode()
    )
    group.refresh_from_db()
    assert group.member_count == 2
    listing = owner_client.get(url("group_list")).content.decode()
    assert "IT Admins" in listing and "<td>2</td>" in listing

    detail = owner_client.get(url("group_detail", group.pk))
    assert {u.pk for u in detail.context["page"].items} == {users[0].pk, users[1].pk}
    owner_client.post(
        url("group_remove_users", group.pk), {"users": [str(users[0].pk)]}
    )
    group.refresh_from_db()
    assert group.member_count == 1
    owner_client.post(url("group_delete", group.pk))
    assert PoolUser.objects.filter(pool=pool).count() == 3


def test_assign_users_refuses_foreign_ids(owner_client, pool, url, group):
    mine = PoolUserFactory(pool=pool)
    other_pool_user = PoolUserFactory(
        pool=IdentityPoolFactory(workspace=pool.workspace)
    )
    other_ws_user = PoolUserFactory()
    for foreign in (other_pool_user, other_ws_user):
        response = owner_client.post(
            url("group_assign_users", group.pk),
            {"users": [str(mine.pk), str(foreign.pk)]},
        )
        assert response.status_code == 200
        assert form_errors(response)["__all__"] == ["users_not_in_pool"]
    bad = owner_client.post(
        url("group_assign_users", group.pk), {"users": ["not-a-uuid"]}
    )
    assert form_errors(bad, "users") == ["user_id_invalid"]
    empty = owner_client.post(url("group_assign_users", group.pk), {})
    assert form_errors(empty, "users") == ["required"]
    assert not GroupMembership.objects.exists()


# --- roles ---------------------------------------------------------------------------


POOL_ACTIONS = [
    (
        "create pool",
        lambda u, ws, p, x: (
            reverse("identity_pools:pool_create", args=[ws.slug]),
            {"name": "New"},
        ),
    ),
    ("edit pool", lambda u, ws, p, x: (u("pool_settings"), {"name": "Renamed"})),
    (
        "create user",
        lambda u, ws, p, x: (
            u("pool_user_create"),
            {**USER_FORM, "identifier": "new@example.com"},
        ),
    ),
    (
        "deactivate user",
        lambda u, ws, p, x: (
            u("pool_user_status", x["user"].pk),
            {"status": "inactive"},
        ),
    ),
    (
        "edit user data",
        lambda u, ws, p, x: (
            u("pool_user_data", x["user"].pk),
            {"data_given_name": "A", "data_family_name": "B", "data_name": "C"},
        ),
    ),
    ("create group", lambda u, ws, p, x: (u("group_create"), {"name": "New group"})),
    (
        "assign users",
        lambda u, ws, p, x: (
            u("group_assign_users", x["group"].pk),
            {"users": [str(x["user"].pk)]},
        ),
    ),
    ("delete user", lambda u, ws, p, x: (u("pool_user_delete", x["user"].pk), {})),
]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.VIEWER])
@pytest.mark.parametrize(
    ("action", "make"), POOL_ACTIONS, ids=[a[0] for a in POOL_ACTIONS]
)
def test_pool_role_matrix(client, workspace, pool, url, role, action, make):
    actor = MembershipFactory(workspace=workspace, role=role).operator
    client.force_login(actor)
    objects = {"user": PoolUserFactory(pool=pool), "group": GroupFactory(pool=pool)}
    path, data = make(url, workspace, pool, objects)
    before = AuditEvent.objects.count()
    response = client.post(path, data)
    if role == Role.VIEWER:
        assert response.status_code == 403
        assert AuditEvent.objects.count() == before
        # ...but a viewer sees the page.
        assert client.get(url("pool_user_list")).status_code == 200
    else:
        assert response.status_code == 302, response.content[:500]
        assert AuditEvent.objects.count() > before


# --- pool schemas --------------------------------------------------------------------


def _strict_schema(workspace):
    from identity_pools.models import UserSchema
    from identity_pools.user_schemas.builtin import USER_DATA

    document = {
        **USER_DATA,
        "properties": {
            **USER_DATA["properties"],
            "member_no": {"type": "integer", "title": "Member number"},
        },
        "required": [*USER_DATA["required"], "member_no"],
    }
    return UserSchema.objects.create(
        workspace=workspace, kind="user_data", name="Members", document=document
    )


def test_changing_pool_schema_reports_failing_users_then_asks(
    owner_client, workspace, pool, url
):
    from identity_pools.models import BUILTIN_METADATA_SCHEMA_ID

    users = [PoolUserFactory(pool=pool) for _ in range(12)]
    strict = _strict_schema(workspace)
    data = {
        "user_schema": str(strict.pk),
        "metadata_schema": str(BUILTIN_METADATA_SCHEMA_ID),
    }
    response = owner_client.post(url("pool_schemas"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "12 of 12 existing users would not satisfy the new schema" in html
    assert html.count("/users/") >= 10  # lists some of them
    assert form_errors(response, form="schemas_form")["__all__"] == [
        "schema_breaks_users"
    ]
    pool.refresh_from_db()
    assert pool.user_schema_id != strict.pk

    response = owner_client.post(url("pool_schemas"), {**data, "confirm": "on"})
    assert response.status_code == 302
    pool.refresh_from_db()
    assert pool.user_schema_id == strict.pk
    event = AuditEvent.objects.get(action="pool.schemas_changed")
    assert event.details["failing_users"] == len(users)
    # The Create User form now asks for the new field.
    assert (
        ">Member number" in owner_client.get(url("pool_user_create")).content.decode()
    )


def test_pool_schema_must_be_of_this_workspace_and_kind(owner_client, pool, url):
    from identity_pools.models import (
        BUILTIN_METADATA_SCHEMA_ID,
        BUILTIN_USER_DATA_SCHEMA_ID,
    )

    foreign = _strict_schema(WorkspaceFactory())
    for data in (
        {
            "user_schema": str(foreign.pk),
            "metadata_schema": str(BUILTIN_METADATA_SCHEMA_ID),
        },
        {
            "user_schema": str(BUILTIN_METADATA_SCHEMA_ID),
            "metadata_schema": str(BUILTIN_METADATA_SCHEMA_ID),
        },
        {
            "user_schema": "nonsense",
            "metadata_schema": str(BUILTIN_USER_DATA_SCHEMA_ID),
        },
    ):
        response = owner_client.post(url("pool_schemas"), data)
        assert response.status_code == 200
        errors = form_errors(response, form="schemas_form")
        assert "invalid_choice" in [
            *errors.get("user_schema", []),
            *errors.get("metadata_schema", []),
        ]
    pool.refresh_from_db()
    assert pool.user_schema_id == BUILTIN_USER_DATA_SCHEMA_ID


def test_pool_without_failing_users_changes_schema_at_once(
    owner_client, workspace, pool, url
):
    from identity_pools.models import BUILTIN_METADATA_SCHEMA_ID

    strict = _strict_schema(workspace)
    response = owner_client.post(
        url("pool_schemas"),
        {
            "user_schema": str(strict.pk),
            "metadata_schema": str(BUILTIN_METADATA_SCHEMA_ID),
        },
    )
    assert response.status_code == 302


def test_editing_user_data_keeps_keys_the_form_does_not_show(
    owner_client, workspace, pool, url
):
    from identity_pools.models import UserSchema
    from identity_pools.user_schemas.builtin import USER_DATA

    open_schema = UserSchema.objects.create(
        workspace=workspace,
        kind="user_data",
        name="Open",
        document={**USER_DATA, "additionalProperties": True},
    )
    pool.user_schema = open_schema
    pool.save()
    user = PoolUserFactory(
        pool=pool,
        user_data={
            "given_name": "A",
            "family_name": "B",
            "name": "A B",
            "legacy_id": 7,
        },
    )
    owner_client.post(
        url("pool_user_data", user.pk),
        {"data_given_name": "Al", "data_family_name": "B", "data_name": "Al B"},
    )
    user.refresh_from_db()
    assert user.user_data == {
        "given_name": "Al",
        "family_name": "B",
        "name": "Al B",
        "legacy_id": 7,
    }


def test_editing_user_data_drops_keys_a_closed_schema_forbids(owner_client, pool, url):
    user = PoolUserFactory(
        pool=pool,
        user_data={
            "given_name": "A",
            "family_name": "B",
            "name": "A B",
            "legacy_id": 7,
        },
    )
    response = owner_client.post(
        url("pool_user_data", user.pk),
        {"data_given_name": "A", "data_family_name": "B", "data_name": "A B"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert "legacy_id" not in user.user_data
