import threading

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Code
from core.models import AuditEvent
from identity_pools.credentials import PasswordCredential
from identity_pools.models import (
    Group,
    GroupMembership,
    Identifier,
    IdentityPool,
    PoolUser,
)
from identity_pools.services import groups, pools, users
from tests.factories import (
    GroupFactory,
    IdentityPoolFactory,
    PoolUserFactory,
    WorkspaceFactory,
)
from tests.identity_pools.conftest import ANN, GOOD_PASSWORD

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- pools ---------------------------------------------------------------------------


def test_pool_create_uses_builtin_schemas_and_audits(workspace, owner):
    pool = pools.pool_create(
        workspace=workspace, actor=owner, name=" Customers ", description="B2C"
    )
    assert pool.name == "Customers"
    assert pool.user_schema.name == "Default user data"
    assert pool.metadata_schema.name == "Default metadata"
    assert actions() == ["pool.created"]


def test_pool_names_unique_per_workspace_case_insensitive(workspace, owner):
    pools.pool_create(workspace=workspace, actor=owner, name="Customers")
    with pytest.raises(ValidationError) as exc:
        pools.pool_create(workspace=workspace, actor=owner, name="CUSTOMERS")
    assert exc.value.error_dict["name"][0].code == "pool_name_taken"
    # Another workspace may use the name.
    pools.pool_create(workspace=WorkspaceFactory(), actor=owner, name="Customers")
    assert IdentityPool.objects.count() == 2


def test_pool_rename_to_taken_name_refused(workspace, owner):
    pools.pool_create(workspace=workspace, actor=owner, name="A")
    b = pools.pool_create(workspace=workspace, actor=owner, name="B")
    with pytest.raises(ValidationError):
        pools.pool_update(pool=b, actor=owner, name="a", description="")
    pools.pool_update(pool=b, actor=owner, name="B2", description="new")
    assert IdentityPool.objects.get(pk=b.pk).name == "B2"


def test_pool_delete_needs_the_name_and_takes_users_and_groups(pool, owner):
    user = PoolUserFactory(pool=pool)
    group = GroupFactory(pool=pool)
    groups.group_assign_users(group=group, actor=owner, user_ids=[user.pk])
    with pytest.raises(ValidationError) as exc:
        pools.pool_delete(pool=pool, actor=owner, confirm_name="customers")
    assert exc.value.error_dict["confirm_name"][0].code == "pool_confirm_mismatch"
    assert IdentityPool.objects.filter(pk=pool.pk).exists()
    pools.pool_delete(pool=pool, actor=owner, confirm_name="Customers")
    assert not PoolUser.objects.exists() and not Group.objects.exists()
    assert not Identifier.objects.exists() and not GroupMembership.objects.exists()
    event = AuditEvent.objects.get(action="pool.deleted")
    assert event.details["users"] == 1 and event.details["groups"] == 1


# --- users ---------------------------------------------------------------------------


def test_user_create_with_credentials(pool, owner):
    user = users.pool_user_create(
        pool=pool,
        actor=owner,
        identifier="Ann@Example.com",
        user_data=ANN,
        mode="credentials",
        password=GOOD_PASSWORD,
        must_change_password=True,
    )
    assert user.status == "active" and user.display_name == "Ann Lee"
    assert user.identifiers.get().value == "ann@example.com"
    cred = PasswordCredential.objects.get(user=user)
    assert cred.state == "must_change" and cred.password.startswith("argon2id$")
    assert GOOD_PASSWORD not in cred.password
    pool.refresh_from_db()
    assert pool.user_count == 1
    event = AuditEvent.objects.get(action="pool_user.created")
    assert event.details["mode"] == "credentials" and GOOD_PASSWORD not in str(
        event.details
    )


def test_user_create_with_invitation_sends_link_after_commit(
    pool, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="ann@example.com",
            user_data=ANN,
            mode="invite",
        )
    assert user.status == "new"
    assert not PasswordCredential.objects.filter(user=user).exists()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ann@example.com"]
    link = next(w for w in mailoutbox[0].body.split() if "/invitation/" in w)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert link.startswith(f"http://localhost:8000/w/{pool.workspace.slug}/invitation/")
    code = Code.objects.get(user=user)
    assert code.purpose == "invitation" and code.used_at is None
    assert token not in code.code_hash and len(code.code_hash) == 64


def test_user_invitation_to_mobile_goes_by_sms(
    pool, owner, settings, django_capture_on_commit_callbacks
):
    from core.delivery import sms

    settings.SMS_BACKEND = "core.delivery.sms.LocmemBackend"
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="+44 7911 123456",
            user_data=ANN,
            mode="invite",
        )
    assert sms.outbox[0].to == "+447911123456" and "/invitation/" in sms.outbox[0].body


def test_resend_invitation_replaces_the_earlier_link(
    pool, owner, mailoutbox, django_capture_on_commit_callbacks, time_passes
):
    with django_capture_on_commit_callbacks(execute=True):
        user = users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="ann@example.com",
            user_data=ANN,
            mode="invite",
        )
        time_passes(61)
        users.pool_user_invitation_resend(user=user, actor=owner)
    assert len(mailoutbox) == 2 and mailoutbox[0].body != mailoutbox[1].body
    codes = list(Code.objects.filter(user=user).order_by("created_at"))
    assert codes[0].used_at is not None and codes[1].used_at is None


def test_resend_invitation_only_for_new_users(pool_user, owner):
    with pytest.raises(ValidationError) as exc:
        users.pool_user_invitation_resend(user=pool_user, actor=owner)
    assert exc.value.code == "invitation_not_new"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"identifier": "not-an-email"}, "identifier"),
        ({"identifier": ""}, "identifier"),
        ({"user_data": {"given_name": "Ann"}}, "user_data"),
        ({"user_data": {**ANN, "birthdate": "1990-13-45"}}, "user_data"),
        ({"user_data": {**ANN, "given_name": "x" * 101}}, "user_data"),
        ({"user_data": {**ANN, "shoe_size": 42}}, "user_data"),
        ({"user_data": {**ANN, "given_name": 7}}, "user_data"),
        ({"mode": "credentials", "password": None}, "password"),
        ({"mode": "credentials", "password": "short"}, "password"),
        ({"mode": "teleport"}, "mode"),
    ],
)
def test_user_create_bad_input_writes_nothing(pool, owner, kwargs, field):
    args = {
        "identifier": "ann@example.com",
        "user_data": ANN,
        "mode": "invite",
        **kwargs,
    }
    with pytest.raises(ValidationError) as exc:
        users.pool_user_create(pool=pool, actor=owner, **args)
    assert field in exc.value.error_dict
    assert not PoolUser.objects.exists() and not AuditEvent.objects.exists()


def test_user_create_duplicate_identifier_case_insensitive(pool, owner, pool_user):
    with pytest.raises(ValidationError) as exc:
        users.pool_user_create(
            pool=pool,
            actor=owner,
            identifier="ANN@example.com",
            user_data=ANN,
            mode="invite",
        )
    assert exc.value.error_dict["identifier"][0].code == "identifier_taken"
    assert PoolUser.objects.count() == 1


def test_same_identifier_allowed_in_another_pool(workspace, owner, pool_user):
    other = IdentityPoolFactory(workspace=workspace)
    users.pool_user_create(
        pool=other,
        actor=owner,
        identifier="ann@example.com",
        user_data=ANN,
        mode="invite",
    )
    assert Identifier.objects.filter(value="ann@example.com").count() == 2


def test_identifier_constraint_is_in_the_database(pool, pool_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Identifier.objects.create(
            pool=pool, user=pool_user, type="email", value="ann@example.com"
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_end_in_one_user_and_one_clear_error(workspace, owner):
    pool = IdentityPoolFactory(workspace=workspace)
    barrier = threading.Barrier(2)
    outcomes = []

    def create():
        from django.db import connections

        try:
            barrier.wait()
            users.pool_user_create(
                pool=pool,
                actor=owner,
                identifier="race@example.com",
                user_data=ANN,
                mode="invite",
            )
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(exc.error_dict["identifier"][0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "identifier_taken"]
    assert PoolUser.objects.filter(pool=pool).count() == 1
    pool.refresh_from_db()
    assert pool.user_count == 1


def test_identifiers_add_and_remove_never_the_last(pool_user, owner):
    second = users.identifier_add(
        user=pool_user, actor=owner, identifier="+44 7911 123456"
    )
    assert second.type == "phone"
    with pytest.raises(ValidationError) as exc:
        users.identifier_add(user=pool_user, actor=owner, identifier="ANN@example.com")
    assert exc.value.error_dict["identifier"][0].code == "identifier_taken"
    users.identifier_remove(identifier=second, actor=owner)
    with pytest.raises(ValidationError) as exc:
        users.identifier_remove(identifier=pool_user.identifiers.get(), actor=owner)
    assert exc.value.code == "identifier_last"
    assert actions() == ["pool_user.identifier_added", "pool_user.identifier_removed"]


def test_update_data_revalidates_and_audits_changed_fields(pool_user, owner):
    with pytest.raises(ValidationError):
        users.pool_user_update_data(
            user=pool_user, actor=owner, user_data={"name": "x"}
        )
    users.pool_user_update_data(
        user=pool_user,
        actor=owner,
        user_data={**ANN, "nickname": "Annie", "name": "Ann L."},
    )
    pool_user.refresh_from_db()
    assert pool_user.display_name == "Ann L."
    assert AuditEvent.objects.get().details["fields"] == [
        "family_name",
        "name",
        "nickname",
    ]


def test_update_metadata_uses_metadata_schema(pool_user, owner):
    with pytest.raises(ValidationError):
        users.pool_user_update_metadata(
            user=pool_user, actor=owner, metadata={"unknown": 1}
        )
    users.pool_user_update_metadata(
        user=pool_user, actor=owner, metadata={"external_id": "crm-1"}
    )
    pool_user.refresh_from_db()
    assert pool_user.metadata == {"external_id": "crm-1"}


def test_status_changes(pool_user, owner):
    users.pool_user_set_status(user=pool_user, actor=owner, status="inactive")
    assert PoolUser.objects.get().status == "inactive"
    users.pool_user_set_status(user=pool_user, actor=owner, status="active")
    with pytest.raises(ValidationError):
        users.pool_user_set_status(user=pool_user, actor=owner, status="new")
    assert actions() == ["pool_user.deactivated", "pool_user.activated"]


def test_delete_user_keeps_counters_right(pool, owner, pool_user, group):
    groups.group_assign_users(group=group, actor=owner, user_ids=[pool_user.pk])
    users.pool_user_delete(user=pool_user, actor=owner)
    pool.refresh_from_db()
    group.refresh_from_db()
    assert (pool.user_count, group.member_count) == (0, 0)
    assert not Identifier.objects.exists()


def test_a_user_never_counted_is_deleted_without_a_negative_count(pool, owner):
    # Made outside the services (a shell, a restore): the pool never counted it.
    stray = PoolUser.objects.create(pool=pool, status="active")
    IdentityPool.objects.filter(pk=pool.pk).update(user_count=0)
    users.pool_user_delete(user=stray, actor=owner)
    pool.refresh_from_db()
    assert pool.user_count == 0 and not PoolUser.objects.filter(pk=stray.pk).exists()


# --- groups --------------------------------------------------------------------------


def test_a_membership_never_counted_is_removed_without_a_negative_count(
    pool, owner, pool_user, group
):
    GroupMembership.objects.create(group=group, user=pool_user)  # not counted
    assert (
        groups.group_remove_users(group=group, actor=owner, user_ids=[pool_user.pk])
        == 1
    )
    group.refresh_from_db()
    assert group.member_count == 0


def test_group_names_unique_per_pool(pool, owner):
    groups.group_create(pool=pool, actor=owner, name="IT Admins")
    with pytest.raises(ValidationError) as exc:
        groups.group_create(pool=pool, actor=owner, name="it admins")
    assert exc.value.error_dict["name"][0].code == "group_name_taken"
    groups.group_create(
        pool=IdentityPoolFactory(workspace=pool.workspace),
        actor=owner,
        name="IT Admins",
    )


def test_assign_users_many_at_once_and_again_is_not_an_error(pool, owner, group):
    members = [PoolUserFactory(pool=pool) for _ in range(3)]
    assert (
        groups.group_assign_users(
            group=group, actor=owner, user_ids=[u.pk for u in members[:2]]
        )
        == 2
    )
    assert (
        groups.group_assign_users(
            group=group, actor=owner, user_ids=[u.pk for u in members]
        )
        == 1
    )
    group.refresh_from_db()
    assert group.member_count == 3 == group.memberships.count()


@pytest.mark.parametrize(
    "where", ["other pool", "other workspace", "nowhere", "not a uuid"]
)
def test_assign_foreign_users_refused_whole(pool, owner, group, where):
    mine = PoolUserFactory(pool=pool)
    if where == "other pool":
        foreign = str(
            PoolUserFactory(pool=IdentityPoolFactory(workspace=pool.workspace)).pk
        )
    elif where == "other workspace":
        foreign = str(PoolUserFactory().pk)
    elif where == "nowhere":
        foreign = "00000000-0000-7000-8000-000000000000"
    else:
        foreign = "../etc/passwd"
    with pytest.raises(ValidationError) as exc:
        groups.group_assign_users(group=group, actor=owner, user_ids=[mine.pk, foreign])
    assert exc.value.code == "users_not_in_pool"
    assert not GroupMembership.objects.exists()
    group.refresh_from_db()
    assert group.member_count == 0


def test_assign_nothing_or_too_many(group, owner):
    with pytest.raises(ValidationError) as exc:
        groups.group_assign_users(group=group, actor=owner, user_ids=[])
    assert exc.value.code == "no_users_chosen"
    import uuid

    with pytest.raises(ValidationError) as exc:
        groups.group_assign_users(
            group=group, actor=owner, user_ids=[uuid.uuid4() for _ in range(1001)]
        )
    assert exc.value.code == "too_many_users"


def test_remove_users_and_delete_group_keeps_users(pool, owner, group):
    members = [PoolUserFactory(pool=pool) for _ in range(3)]
    groups.group_assign_users(
        group=group, actor=owner, user_ids=[u.pk for u in members]
    )
    assert (
        groups.group_remove_users(
            group=group, actor=owner, user_ids=[members[0].pk, members[1].pk]
        )
        == 2
    )
    group.refresh_from_db()
    assert group.member_count == 1
    groups.group_delete(group=group, actor=owner)
    assert PoolUser.objects.count() == 3 and not GroupMembership.objects.exists()
    assert actions()[-3:] == [
        "group.users_assigned",
        "group.users_removed",
        "group.deleted",
    ]


@pytest.mark.django_db(transaction=True)
def test_builtin_schemas_survive_a_flush(workspace, owner):
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)
    from tests.factories import MembershipFactory

    membership = MembershipFactory()
    pool = pools.pool_create(
        workspace=membership.workspace, actor=membership.operator, name="P"
    )
    assert pool.user_schema.name == "Default user data"
