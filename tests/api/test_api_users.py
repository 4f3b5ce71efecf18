"""``/api/v1/pools/{pool_id}/users``: users, identifiers and invitations through
the console's services."""

from __future__ import annotations

import json

import pytest

from core.models import ActorType, AuditEvent
from identity_pools.models import Identifier, PoolUser
from tests.api.test_api_pools import codes, send
from tests.factories import (
    PASSWORD,
    GroupFactory,
    GroupMembershipFactory,
    IdentifierFactory,
    PoolUserFactory,
)

pytestmark = pytest.mark.django_db

ANN = {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


def users_url(pool, *rest):
    return "/".join([f"/api/v1/pools/{pool.pk}/users", *map(str, rest)])


def event(action):
    return AuditEvent.objects.filter(action=action).latest("id")


def create(client, pool, **body):
    body = {"identifiers": [{"value": "Ann@Example.com"}], "user_data": ANN} | body
    return send(client, "post", users_url(pool), body)


def test_create_with_a_password(api_client, pool):
    response = create(api_client, pool, password=PASSWORD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["display_name"] == "Ann Lee"
    assert [(i["type"], i["value"]) for i in body["identifiers"]] == [
        ("email", "ann@example.com")
    ]
    assert body["groups"] == [] and body["metadata"] == {}
    user = PoolUser.objects.get(pk=body["id"])
    assert user.pool == pool and user.password_credential is not None
    pool.refresh_from_db()
    assert pool.user_count == 1
    created = event("pool_user.created")
    assert created.actor_type == ActorType.API_TOKEN
    assert created.details["mode"] == "credentials"


def test_create_with_an_invitation(
    api_client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(api_client, pool, invite=True)
    assert response.status_code == 201
    assert response.json()["status"] == "new"
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        (
            {"identifiers": [{"value": "taken@example.com"}]},
            "identifier_taken",
            "/identifiers/0/value",
        ),
        (
            {"identifiers": [{"value": "not an address"}]},
            "identifier_invalid",
            "/identifiers/0/value",
        ),
        (
            {"identifiers": [{"value": "a@example.com", "type": "phone"}]},
            "invalid",
            "/identifiers/0/type",
        ),
        ({"password": None}, "password_required", "/password"),
        ({"invite": True}, "invalid", "/password"),
        ({"password": "short"}, None, "/password"),
        ({"user_data": {"given_name": "Ann"}}, "data_required", "/user_data"),
        ({"metadata": {"x": {"deep": 1}}}, None, "/metadata"),
    ],
)
def test_create_refusals_write_nothing(api_client, pool, body, code, path):
    PoolUserFactory(pool=pool, email="taken@example.com")
    body = {"password": PASSWORD} | body
    if body["password"] is None:
        del body["password"]
    response = create(api_client, pool, **body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert {e["path"] for e in errors} == {path}
    if code:
        assert set(codes(response)) == {code}
    assert PoolUser.objects.filter(pool=pool).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"identifiers": []},
        {"identifiers": [{"value": f"u{i}@example.com"} for i in range(11)]},
        {"user_data": ["not", "an", "object"]},
        {"groups": "Staff"},
        {"password": "x" * 2000},
    ],
)
def test_create_shape_errors(api_client, pool, body):
    response = create(api_client, pool, **body)
    assert response.status_code == 400 and codes(response) == ["invalid"]


def test_text_that_cannot_be_stored_is_refused_where_it_is(api_client, pool):
    response = create(api_client, pool, user_data=ANN | {"given_name": "A\x00"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["path"].endswith("/user_data/given_name")
    assert "NUL" in error["message"]
    assert not PoolUser.objects.exists()


def test_read_shows_identifiers_and_groups(api_client, pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    IdentifierFactory(user=user, value="ann2@example.com")
    GroupMembershipFactory(group=GroupFactory(pool=pool, name="Staff"), user=user)
    body = api_client.get(users_url(pool, user.pk)).json()
    assert [i["value"] for i in body["identifiers"]] == [
        "ann@example.com",
        "ann2@example.com",
    ]
    assert [g["name"] for g in body["groups"]] == ["Staff"]


def test_list_pages_with_a_cursor_at_constant_queries(
    api_client, pool, django_assert_max_num_queries, django_assert_num_queries
):
    group = GroupFactory(pool=pool)
    users = [PoolUserFactory(pool=pool) for _ in range(5)]
    for user in users:
        GroupMembershipFactory(group=group, user=user)
    seen, url = [], users_url(pool) + "?limit=2"
    page = api_client.get(url).json()
    while True:
        seen += [u["id"] for u in page["items"]]
        assert all(u["groups"] for u in page["items"])
        if page["next"] is None:
            break
        with django_assert_max_num_queries(12) as small:
            page = api_client.get(url + "&after=" + page["next"]).json()
        per_page = len(small)
    assert seen == [str(u.pk) for u in reversed(users)]
    # Twenty users with groups and identifiers cost what two did.
    for _ in range(20):
        GroupMembershipFactory(group=group, user=PoolUserFactory(pool=pool))
    with django_assert_num_queries(per_page):
        page = api_client.get(users_url(pool) + "?limit=20").json()
    assert len(page["items"]) == 20 and page["next"]
    # A filter by group costs one query more (the group is looked up).
    with django_assert_num_queries(per_page + 1):
        page = api_client.get(users_url(pool) + f"?limit=20&group={group.pk}").json()
    assert len(page["items"]) == 20


def test_list_filters(api_client, pool):
    ann = PoolUserFactory(
        pool=pool, email="ann@example.com", user_data={"name": "Ann Lee"}
    )
    bob = PoolUserFactory(
        pool=pool,
        email="bob@example.com",
        status="inactive",
        user_data={"name": "Bob Ray"},
    )
    group = GroupFactory(pool=pool)
    GroupMembershipFactory(group=group, user=bob)

    def ids(query):
        response = api_client.get(users_url(pool) + "?" + query)
        assert response.status_code == 200, response.content
        return [u["id"] for u in response.json()["items"]]

    assert ids("identifier=ANN@") == [str(ann.pk)]
    assert ids("name=ray") == [str(bob.pk)]
    assert ids("status=active") == [str(ann.pk)]
    assert ids(f"group={group.pk}") == [str(bob.pk)]
    assert ids("identifier=zed") == []


@pytest.mark.parametrize(
    "query", ["identifier=a&name=b", "after=%21%21", "after=bm90LWEtdXVpZA", "limit=0"]
)
def test_list_refuses_bad_queries(api_client, pool, query):
    response = api_client.get(users_url(pool) + "?" + query)
    assert response.status_code == 400 and response.json()["errors"]


def test_list_by_another_pools_group_is_404(api_client, pool):
    response = api_client.get(users_url(pool) + f"?group={GroupFactory().pk}")
    assert response.status_code == 404


def test_update_status_and_data(api_client, pool):
    user = PoolUserFactory(pool=pool)
    response = send(
        api_client,
        "patch",
        users_url(pool, user.pk),
        {"status": "inactive", "user_data": ANN, "metadata": {"external_id": "42"}},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["user_data"], body["metadata"]) == (
        "inactive",
        ANN,
        {"external_id": "42"},
    )
    for action in ("deactivated", "data_updated", "metadata_updated"):
        assert event(f"pool_user.{action}").actor_type == ActorType.API_TOKEN


def test_update_is_all_or_nothing(api_client, pool):
    user = PoolUserFactory(pool=pool)
    response = send(
        api_client,
        "patch",
        users_url(pool, user.pk),
        {"status": "inactive", "user_data": {"given_name": "Ann"}},
    )
    assert response.status_code == 400 and codes(response) == ["data_required"] * 2
    user.refresh_from_db()
    assert user.status == "active"


def test_update_refuses_status_new(api_client, pool):
    user = PoolUserFactory(pool=pool)
    response = send(api_client, "patch", users_url(pool, user.pk), {"status": "new"})
    assert response.status_code == 400


def test_delete(api_client, pool):
    user = PoolUserFactory(pool=pool)
    assert api_client.delete(users_url(pool, user.pk)).status_code == 204
    assert not PoolUser.objects.filter(pk=user.pk).exists()
    assert event("pool_user.deleted").actor_type == ActorType.API_TOKEN
    assert api_client.get(users_url(pool, user.pk)).status_code == 404


def test_identifiers_add_verify_remove(api_client, pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    url = users_url(pool, user.pk, "identifiers")
    response = send(api_client, "post", url, {"value": "+44 7911 123456"})
    assert response.status_code == 201, response.content
    added = response.json()
    assert (added["type"], added["value"], added["is_verified"]) == (
        "phone",
        "+447911123456",
        False,
    )
    assert event("pool_user.identifier_added").actor_type == ActorType.API_TOKEN

    response = send(api_client, "post", f"{url}/{added['id']}/verify")
    assert response.status_code == 200 and response.json()["is_verified"]
    assert event("pool_user.identifier_verified").details["by"] == "operator"

    assert api_client.delete(f"{url}/{added['id']}").status_code == 204
    assert event("pool_user.identifier_removed").actor_type == ActorType.API_TOKEN
    last = user.identifiers.get()
    response = api_client.delete(f"{url}/{last.pk}")
    assert response.status_code == 400 and codes(response) == ["identifier_last"]


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"value": "ann@example.com"}, "identifier_taken", "/value"),
        ({"value": "+1"}, "identifier_invalid", "/value"),
        ({"value": "b@example.com", "type": "phone"}, "invalid", "/type"),
        ({"value": "nonsense", "type": "email"}, "identifier_invalid", "/value"),
    ],
)
def test_identifier_add_refusals(api_client, pool, body, code, path):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    response = send(api_client, "post", users_url(pool, user.pk, "identifiers"), body)
    assert response.status_code == 400
    assert [(e["code"], e["path"]) for e in response.json()["errors"]] == [(code, path)]
    assert Identifier.objects.filter(user=user).count() == 1


def test_an_identifier_of_another_user_is_404(api_client, pool):
    user, other = PoolUserFactory(pool=pool), PoolUserFactory(pool=pool)
    theirs = other.identifiers.get()
    url = users_url(pool, user.pk, "identifiers", theirs.pk)
    assert api_client.delete(url).status_code == 404
    assert send(api_client, "post", url + "/verify").status_code == 404


def test_invitation_resend(
    api_client, pool, mailoutbox, django_capture_on_commit_callbacks
):
    new = PoolUserFactory(pool=pool, status="new", email="new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = send(api_client, "post", users_url(pool, new.pk, "invitation"))
    assert response.status_code == 200, response.content
    assert response.json()["sent_to"] == "new@example.com"
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert event("pool_user.invitation_sent").actor_type == ActorType.API_TOKEN

    active = PoolUserFactory(pool=pool)
    response = send(api_client, "post", users_url(pool, active.pk, "invitation"))
    assert response.status_code == 400 and codes(response) == ["invitation_not_new"]


def test_a_text_error_pointer_is_exact(api_client, pool):
    response = create(api_client, pool, user_data=ANN | {"given_name": "A\x00"})
    assert response.json()["errors"][0]["path"] == "/user_data/given_name"


@pytest.mark.parametrize(
    "user_data",
    [
        ANN | {"given_name": "x" * 1_000_000},
        ANN | {"x": json.loads('{"a":' * 900 + "{}" + "}" * 900)},
    ],
    ids=["huge", "deep"],
)
def test_huge_or_deep_data_is_a_400_not_a_500(api_client, pool, user_data):
    response = create(api_client, pool, user_data=user_data, password=PASSWORD)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/user_data"
