"""``/api/v1/pools/{pool_id}/groups``: groups and their members through the
console's services."""

from __future__ import annotations

import uuid

import pytest

from core.models import ActorType, AuditEvent
from identity_pools.models import Group, GroupMembership
from tests.api.test_api_pools import codes, send
from tests.factories import (
    GroupFactory,
    GroupMembershipFactory,
    IdentityPoolFactory,
    PoolUserFactory,
)

pytestmark = pytest.mark.django_db


def groups_url(pool, *rest):
    return "/".join([f"/api/v1/pools/{pool.pk}/groups", *map(str, rest)])


def event(action):
    return AuditEvent.objects.filter(action=action).latest("id")


def test_group_create_read_update_delete(api_client, pool):
    response = send(
        api_client, "post", groups_url(pool), {"name": " Staff ", "description": "d"}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["member_count"]) == ("Staff", 0)
    assert event("group.created").actor_type == ActorType.API_TOKEN

    url = groups_url(pool, created["id"])
    assert api_client.get(url).json() == created

    response = send(api_client, "patch", url, {"name": "Team"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == ("Team", "d")
    assert event("group.updated").actor_type == ActorType.API_TOKEN

    assert api_client.delete(url).status_code == 204
    assert not Group.objects.filter(pk=created["id"]).exists()
    assert event("group.deleted").actor_type == ActorType.API_TOKEN
    assert api_client.get(url).status_code == 404


@pytest.mark.parametrize("method", ["post", "patch"])
def test_group_name_taken(api_client, pool, method):
    GroupFactory(pool=pool, name="Staff")
    other = GroupFactory(pool=pool, name="Other")
    url = groups_url(pool) if method == "post" else groups_url(pool, other.pk)
    response = send(api_client, method, url, {"name": "STAFF"})
    assert response.status_code == 400
    assert [(e["code"], e["path"]) for e in response.json()["errors"]] == [
        ("group_name_taken", "/name")
    ]


def test_group_list_pages_by_name(api_client, pool):
    names = ["Ábaco", "beta", "Gamma", "delta/1", "épsilon"]
    for name in names:
        GroupFactory(pool=pool, name=name)
    GroupFactory(pool=IdentityPoolFactory(workspace=pool.workspace))  # other pool
    seen, page = [], api_client.get(groups_url(pool) + "?limit=2").json()
    while True:
        seen += [g["name"] for g in page["items"]]
        if page["next"] is None:
            break
        page = api_client.get(groups_url(pool) + f"?limit=2&after={page['next']}")
        page = page.json()
    assert sorted(seen) == sorted(names) and len(seen) == len(set(seen))


def test_members_add_and_remove_many_at_once(api_client, pool):
    group = GroupFactory(pool=pool)
    users = [PoolUserFactory(pool=pool) for _ in range(3)]
    GroupMembershipFactory(group=group, user=users[0])
    group.member_count = 1
    group.save()
    ids = [str(u.pk) for u in users]
    url = groups_url(pool, group.pk, "members")

    response = send(api_client, "post", url, {"user_ids": ids})
    assert response.status_code == 200, response.content
    assert response.json() == {"added": 2, "member_count": 3}
    assert event("group.users_assigned").actor_type == ActorType.API_TOKEN

    response = send(api_client, "delete", url, {"user_ids": ids[:2]})
    assert response.status_code == 200
    assert response.json() == {"removed": 2, "member_count": 1}
    assert event("group.users_removed").actor_type == ActorType.API_TOKEN
    assert list(GroupMembership.objects.values_list("user_id", flat=True)) == [
        users[2].pk
    ]


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("another pool's user", "users_not_in_pool"),
        ("unknown id", "users_not_in_pool"),
        ("none", "no_users_chosen"),
        ("too many", "too_many_users"),
    ],
)
def test_members_add_refusals_write_nothing(api_client, pool, which, code):
    group = GroupFactory(pool=pool)
    mine = str(PoolUserFactory(pool=pool).pk)
    ids = {
        "another pool's user": [mine, str(PoolUserFactory().pk)],
        "unknown id": [mine, str(uuid.uuid4())],
        "none": [],
        "too many": [str(uuid.uuid4()) for _ in range(1001)],
    }[which]
    response = send(
        api_client, "post", groups_url(pool, group.pk, "members"), {"user_ids": ids}
    )
    assert response.status_code == 400
    assert [(e["code"], e["path"]) for e in response.json()["errors"]] == [
        (code, "/user_ids")
    ]
    assert not GroupMembership.objects.exists()


def test_members_of_another_pools_group_are_404(api_client, pool):
    theirs = GroupFactory(pool=IdentityPoolFactory(workspace=pool.workspace))
    user = PoolUserFactory(pool=pool)
    response = send(
        api_client,
        "post",
        groups_url(pool, theirs.pk, "members"),
        {"user_ids": [str(user.pk)]},
    )
    assert response.status_code == 404 and codes(response) == ["not_found"]


def test_member_ids_must_be_uuids(api_client, pool):
    group = GroupFactory(pool=pool)
    response = send(
        api_client,
        "post",
        groups_url(pool, group.pk, "members"),
        {"user_ids": ["not-a-uuid"]},
    )
    assert response.status_code == 400 and codes(response) == ["invalid"]
