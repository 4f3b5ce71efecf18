"""The directory's audit events as sentences: pools, schemas, users, their
identifiers and groups (registered with ``core.audit_text`` as the app loads;
``apps.py`` imports this module). A pool is the container a sentence's
``{pool}`` names; users, groups and schemas link to their console pages."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.audit_text import Kind, Ref, Target, register, short_id

from .models import Group, Identifier, IdentityPool, PoolUser, UserSchema
from .selectors import group_member_q


def _pool_ref(workspace, pool) -> Ref:
    url = reverse("identity_pools:pool_detail", args=[workspace.slug, pool.pk])
    return Ref(pool.name, url)


def _pools(workspace, ids) -> dict:
    pools = IdentityPool.objects.for_workspace(workspace).filter(pk__in=ids)
    return {pool.pk: (_pool_ref(workspace, pool), None) for pool in pools}


def _users(workspace, ids) -> dict:
    first = Identifier.objects.filter(user=OuterRef("pk")).order_by("id")
    users = (
        PoolUser.objects.filter(pool__workspace=workspace, pk__in=ids)
        .select_related("pool")
        .only("id", "display_name", "pool__id", "pool__name")
        .annotate(first_identifier=Subquery(first.values("value")[:1]))
    )
    found = {}
    for user in users:
        name, identifier = user.display_name, user.first_identifier or ""
        if name and identifier and name != identifier:
            label = f"{name} ({identifier})"
        else:
            label = name or identifier or f"user {short_id(str(user.pk))}"
        url = reverse(
            "identity_pools:pool_user_detail",
            args=[workspace.slug, user.pool_id, user.pk],
        )
        found[user.pk] = (Ref(label, url), _pool_ref(workspace, user.pool))
    return found


def _groups(workspace, ids) -> dict:
    groups = Group.objects.filter(pool__workspace=workspace, pk__in=ids).select_related(
        "pool"
    )
    return {
        group.pk: (
            Ref(
                group.name,
                reverse(
                    "identity_pools:group_detail",
                    args=[workspace.slug, group.pool_id, group.pk],
                ),
            ),
            _pool_ref(workspace, group.pool),
        )
        for group in groups
    }


def _schemas(workspace, ids) -> dict:
    schemas = UserSchema.objects.filter(
        Q(workspace=workspace) | Q(workspace__isnull=True), pk__in=ids
    ).only("id", "name")
    return {
        schema.pk: (
            Ref(
                schema.name,
                reverse(
                    "identity_pools:schema_detail", args=[workspace.slug, schema.pk]
                ),
            ),
            None,
        )
        for schema in schemas
    }


register(
    sentences={
        "pool.created": "{actor} created the pool {target}",
        "pool.updated": "{actor} changed the settings of {target}",
        "pool.deleted": "{actor} deleted the pool {target}",
        "pool.sign_up_changed": "{actor} changed how users sign up to {target}",
        "pool.password_policy_changed": "{actor} changed the password policy of "
        "{target}",
        "pool.sign_in_policy_changed": "{actor} changed the sign-in policy of {target}",
        "pool.sign_in_methods_changed": "{actor} changed the sign-in methods of "
        "{target}",
        "pool.code_rules_changed": "{actor} changed the code rules of {target}",
        "pool.schemas_changed": "{actor} changed the schemas of {target}",
        "pool.users_seeded": "{actor} added generated test users to {target}",
        "pool_users.exported": "{actor} exported the users of {target}",
        "pool_users.imported": "{actor} imported users into {target}",
        "user_schema.created": "{actor} created the schema {target}",
        "user_schema.updated": "{actor} changed the schema {target}",
        "user_schema.deleted": "{actor} deleted the schema {target}",
        "pool_user.created": "{actor} created {target}[ in {pool}]",
        "pool_user.invitation_sent": "{actor} sent an invitation to {target}"
        "[ in {pool}]",
        "pool_user.data_updated": "{actor} changed the user data of {target}"
        "[ in {pool}]",
        "pool_user.metadata_updated": "{actor} changed the metadata of {target}"
        "[ in {pool}]",
        "pool_user.activated": "{actor} activated {target}[ in {pool}]",
        "pool_user.deactivated": "{actor} deactivated {target}[ in {pool}]",
        "pool_user.deleted": "{actor} deleted {target}[ from {pool}]",
        "pool_user.identifier_added": "{actor} added {identifier} to {target}"
        "[ in {pool}]",
        "pool_user.identifier_removed": "{actor} removed {identifier} from {target}"
        "[ in {pool}]",
        "pool_user.identifier_verified": "{actor} verified {identifier} of {target}"
        "[ in {pool}]",
        "group.created": "{actor} created the group {target}[ in {pool}]",
        "group.updated": "{actor} changed the group {target}[ in {pool}]",
        "group.deleted": "{actor} deleted the group {target}[ from {pool}]",
        "group.users_assigned": "{actor} added {added:user} to the group {target}"
        "[ in {pool}]",
        "group.users_removed": "{actor} removed {removed:user} from the group "
        "{target}[ in {pool}]",
    },
    kinds=[
        Kind("users", _("Users"), ("pool_user.", "pool_users."), 20),
        Kind("groups", _("Groups"), ("group.",), 30),
        Kind("pools", _("Pools and schemas"), ("pool.", "user_schema."), 40),
    ],
    from_to={"pool_user.activated": "Status", "pool_user.deactivated": "Status"},
    labels={
        "identifier": "Identifier",
        "identifiers": "Identifiers",
        "mode": "Mode",
        "must_change_password": "Must change password",
        "must_change": "Must change password",
        "users": "Users",
        "added": "Added",
        "removed": "Removed",
        "already_members": "Already members",
        "members": "Members",
        "groups": "Groups",
        "failing_users": "Users failing the schema",
        "users_checked": "Users checked",
        "users_failing": "Users failing",
        "forced": "Changed anyway",
        "include_password_hashes": "With password hashes",
        "records": "Records",
        "created": "Created",
        "updated": "Updated",
        "skipped": "Skipped",
        "failed": "Failed",
        "on_conflict": "On conflict",
        "groups_created": "Groups created",
        "user_schema": "User data schema",
        "metadata_schema": "Metadata schema",
        "document": "Schema document",
    },
    label_order=2,
    raw=("identifier", "identifiers"),
    quiet=("next_serial",),
    targets=[
        Target("identity_pools.identitypool", "pool", _pools, container=True),
        Target(
            "identity_pools.pooluser",
            "user",
            _users,
            recorded=("identifier",),
            list_details=("users",),
            actor_type="pool_user",
        ),
        Target("identity_pools.group", "group", _groups),
        Target("identity_pools.userschema", "schema", _schemas),
    ],
    # An object filter of the Activity page finds the events in a pool and the
    # group changes that list a user.
    object_match=lambda object_id: (
        Q(details__pool=object_id) | group_member_q(object_id)
    ),
)
