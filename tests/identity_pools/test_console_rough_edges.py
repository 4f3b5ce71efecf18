"""Rough edges of the guide's screens (issue 12, item 3): error summaries, the folded
optional fields, schema-generated fields, user-data checks, pool Settings, groups,
search, success messages, a viewer's pages and the 403 log line."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.messages import get_messages

from identity_pools.models import UserSchema
from identity_pools.services.groups import group_assign_users
from identity_pools.user_schemas.builtin import USER_DATA
from identity_pools.user_schemas.claims import is_language_tag, is_time_zone
from identity_pools.user_schemas.data import (
    schema_data_errors,
    schema_data_validity_checker,
)
from identity_pools.user_schemas.forms import SchemaDataForm
from tests.factories import GroupFactory, PoolUserFactory
from workspaces.models import Role

from .conftest import USER_FORM, form_errors

pytestmark = pytest.mark.django_db


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def summary(html: str) -> tuple[str, list[str]]:
    """The error summary's heading and its bullets (tags stripped)."""
    box = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    heading = re.search(r"<strong>(.*?)</strong>", box).group(1)
    bullets = [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r"<li>(.*?)</li>", box, re.S)
    ]
    return heading, bullets


# --- Assign Users with nothing ticked ----------------------------------------------


def test_assign_users_with_nothing_ticked_says_choose_a_user(
    owner_client, url, group, pool_user
):
    response = owner_client.post(url("group_assign_users", group.pk), {})
    assert response.status_code == 200
    assert form_errors(response, "users") == ["required"]
    heading, bullets = summary(response.content.decode())
    assert heading == "There is a problem with this form."
    assert bullets == ["Choose at least one user."]


# --- Create User: optional fields folded --------------------------------------------


def test_create_user_folds_optional_fields_under_more_fields(owner_client, url):
    html = owner_client.get(url("pool_user_create")).content.decode()
    fold = html.split('<details class="more-fields">', 1)[1].split("</details>")[0]
    assert "<summary>More fields</summary>" in fold
    for optional in ("data_nickname", "data_locale", "data_zoneinfo", "data_website"):
        assert f'id="id_{optional}"' in fold
    for required in ("data_given_name", "data_family_name", "data_name"):
        assert f'id="id_{required}"' not in fold
        assert f'id="id_{required}"' in html
    # Mode comes after the fold, not after a page of optional fields.
    assert html.index("</details>") < html.index('name="mode"')


def test_create_user_error_in_a_folded_field_opens_the_fold(owner_client, url):
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "data_website": "not a web address"}
    )
    html = response.content.decode()
    assert form_errors(response, "data_website") == ["invalid"]
    assert '<details class="more-fields" open>' in html

    clean = owner_client.post(url("pool_user_create"), {**USER_FORM, "identifier": ""})
    assert '<details class="more-fields">' in clean.content.decode()


# --- user-data errors ----------------------------------------------------------------


def test_user_data_errors_one_per_field_and_the_count_matches(owner_client, url):
    response = owner_client.post(
        url("pool_user_create"),
        {
            **USER_FORM,
            "data_given_name": "",
            "data_website": "nope",
            "data_picture": "nope",
            "data_locale": "-",
        },
    )
    errors = response.context["form"].errors
    for field in ("data_given_name", "data_website", "data_picture", "data_locale"):
        assert len(errors[field]) == 1, (field, errors[field])
    heading, bullets = summary(response.content.decode())
    assert heading == f"There are {len(bullets)} problems with this form."
    assert len(bullets) == 4
    assert not any("Enter a valid URL." in b for b in bullets)


def test_pattern_error_shows_the_description_not_the_regex(owner_client, url):
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "data_locale": "english please"}
    )
    [text] = response.context["form"].errors["data_locale"]
    assert "A language tag (BCP 47). Example: en-US." in text
    assert "^[A-Za-z]" not in text and "pattern" not in text


def test_pattern_error_of_stored_data_does_not_show_the_regex():
    document = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
    }
    [problem] = schema_data_errors(document, {"code": "abc"})["code"]
    assert problem.code == "data_pattern"
    assert "[A-Z]" not in problem.message
    described = {"code": {**document["properties"]["code"], "description": "Three"}}
    [problem] = schema_data_errors(
        {**document, "properties": described}, {"code": "x"}
    )["code"]
    assert problem.message.endswith("Three")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Europe/Paris", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("Mars/Olympus", False),
        ("europe/paris", False),
        ("", False),
    ],
)
def test_time_zone_is_checked_against_the_iana_database(value, ok):
    assert is_time_zone(value) is ok
    errors = schema_data_errors(USER_DATA, {**_ann(), "zoneinfo": value})
    assert ("zoneinfo" not in errors) is ok
    if not ok:
        assert [e.code for e in errors["zoneinfo"]] == ["data_format"]
    assert schema_data_validity_checker(USER_DATA)({**_ann(), "zoneinfo": value}) is ok


@pytest.mark.parametrize(
    ("tag", "ok"),
    [
        ("en", True),
        ("en-US", True),
        ("zh-Hant-TW", True),
        ("de-CH-1996", True),
        ("sr-Latn-RS", True),
        ("es-419", True),
        ("en-US-x-twain", True),
        ("i-klingon", True),
        ("en_US", False),
        ("en-US-US", False),
        ("e", False),
        ("en-", False),
        ("english", True),  # 5-8 letters: a well-formed (if unregistered) language
    ],
)
def test_locale_is_checked_as_a_well_formed_bcp47_tag(tag, ok):
    assert is_language_tag(tag) is ok


def test_locale_that_passes_the_pattern_but_is_not_a_tag_is_refused():
    errors = schema_data_errors(USER_DATA, {**_ann(), "locale": "en-US-US"})
    assert [e.code for e in errors["locale"]] == ["data_format"]
    assert "BCP 47" in errors["locale"][0].message


def test_create_user_refuses_an_unknown_time_zone(owner_client, url):
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "data_zoneinfo": "Mars/Olympus"}
    )
    assert form_errors(response, "data_zoneinfo") == ["data_format"]


def _ann() -> dict:
    return {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee"}


# --- schema-generated forms ----------------------------------------------------------

CHOICES = {
    "type": "object",
    "properties": {
        "plan": {"type": "string", "enum": ["free", "pro"]},
        "topics": {
            "type": "array",
            "title": "Topics",
            "items": {"type": "string", "enum": ["news", "offers"]},
        },
    },
    "required": ["plan"],
}


def test_required_choice_list_starts_empty():
    form = SchemaDataForm(document=CHOICES, values={})
    html = str(form["data_plan"])
    assert '<option value="" selected>' in html
    bound = SchemaDataForm({}, document=CHOICES, values={})
    assert not bound.is_valid()
    assert [e.code for e in bound.errors.as_data()["data_plan"]] == ["required"]


def test_checkbox_group_is_a_fieldset_with_a_legend(owner_client, workspace, pool, url):
    schema = UserSchema.objects.create(
        workspace=workspace, kind="user_data", name="Choices", document=CHOICES
    )
    pool.user_schema = schema
    pool.save(update_fields=["user_schema"])
    html = owner_client.get(url("pool_user_create")).content.decode()
    assert re.search(
        r'<fieldset class="field field-group[^"]*"[^>]*>\s*<legend>Topics</legend>',
        html,
    )
    assert '<label for="id_data_topics_0">Topics</label>' not in html


def test_user_page_tells_when_data_no_longer_satisfies_the_schema(
    owner_client, workspace, pool, url
):
    user = PoolUserFactory(pool=pool)
    page = owner_client.get(url("pool_user_detail", user.pk)).content.decode()
    assert "does not satisfy the pool&#x27;s current schema" not in page
    user.user_data = {**user.user_data, "zoneinfo": "Mars/Olympus", "nickname": ""}
    user.save(update_fields=["user_data"])
    response = owner_client.get(url("pool_user_detail", user.pk))
    notice = response.context["user_data_problems"]
    assert "does not satisfy the pool's current schema" in notice
    assert "Mars/Olympus" in notice and "Nickname" in notice
    assert 'role="note"' in response.content.decode()


# --- pool Settings -------------------------------------------------------------------


def test_change_anyway_shows_only_when_a_schema_change_needs_it(
    owner_client, workspace, pool, url
):
    from identity_pools.models import BUILTIN_METADATA_SCHEMA_ID

    html = owner_client.get(url("pool_settings")).content.decode()
    assert "Change anyway" not in html and 'name="confirm"' not in html

    PoolUserFactory(pool=pool)
    strict = UserSchema.objects.create(
        workspace=workspace,
        kind="user_data",
        name="Strict",
        document={**USER_DATA, "required": [*USER_DATA["required"], "nickname"]},
    )
    data = {
        "user_schema": str(strict.pk),
        "metadata_schema": str(BUILTIN_METADATA_SCHEMA_ID),
    }
    response = owner_client.post(url("pool_schemas"), data)
    html = response.content.decode()
    assert 'name="confirm"' in html
    assert form_errors(response, form="schemas_form")["__all__"] == [
        "schema_breaks_users"
    ]
    # One error box: the impact report; not a second summary of the same refusal.
    assert html.count('class="error-summary"') == 1
    assert "1 of 1 existing users would not satisfy the new schema" in html


# --- groups and search ---------------------------------------------------------------


def test_empty_group_says_it_has_no_members_yet(owner_client, url, group):
    html = owner_client.get(url("group_detail", group.pk)).content.decode()
    assert "This group has no members yet." in html
    assert "No users match." not in html
    searched = owner_client.get(url("group_detail", group.pk), {"q": "zed"})
    assert "No users match." in searched.content.decode()


def test_guess_search_finds_a_partial_email_and_says_what_matched(
    owner_client, pool, url
):
    morgan = PoolUserFactory(pool=pool, email="morgan4952@example.com")
    named = PoolUserFactory(
        pool=pool,
        user_data={"given_name": "Al", "family_name": "Morgan4952x", "name": "Al M"},
        display_name="Al Morgan4952x",
    )
    PoolUserFactory(pool=pool, email="someone@example.com")
    response = owner_client.get(url("pool_user_list"), {"q": "morgan4952"})
    items = response.context["page"].items
    assert {u.pk for u in items} == {morgan.pk, named.pk}
    match = {u.pk: u.search_match for u in items}
    assert match == {morgan.pk: "identifier", named.pk: "name"}
    html = response.content.decode()
    assert "identifier matches" in html and "name matches" in html
    assert "start with “morgan4952” and names that contain it" in html


def test_guess_search_runs_a_constant_number_of_queries(
    owner_client, pool, url, django_assert_max_num_queries
):
    for n in range(3):
        PoolUserFactory(pool=pool, email=f"morgan{n}@example.com")
    owner_client.get(url("pool_user_list"), {"q": "morgan"})  # warm the session
    with django_assert_max_num_queries(12) as few:
        owner_client.get(url("pool_user_list"), {"q": "morgan"})
    for n in range(3, 20):
        PoolUserFactory(pool=pool, email=f"morgan{n}@example.com")
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get(url("pool_user_list"), {"q": "morgan"})


def test_second_identifier_reads_and_n_more(owner_client, pool, url, pool_user):
    from identity_pools.services.users import identifier_add

    identifier_add(user=pool_user, actor=None, identifier="+33612345678")
    html = owner_client.get(url("pool_user_list")).content.decode()
    assert "and 1 more" in html
    assert ">+1<" not in html


# --- success messages ----------------------------------------------------------------


def test_success_message_echoes_the_normalised_identifier(owner_client, pool, url):
    response = owner_client.post(
        url("pool_user_create"), {**USER_FORM, "identifier": "+33 6 12 34 56 78"}
    )
    assert response.status_code == 302
    assert "An invitation was sent to +33612345678." in flashed(response)[0]


def test_identifier_added_message_echoes_the_normalised_identifier(
    owner_client, url, pool_user
):
    response = owner_client.post(
        url("pool_user_identifier_add", pool_user.pk),
        {"identifier": "  ANN.B@Example.COM"},
    )
    assert response.status_code == 302
    assert flashed(response) == ["Identifier ann.b@example.com added."]


# --- Add to group --------------------------------------------------------------------


def test_add_to_group_leaves_out_the_users_groups(owner_client, owner, pool, url):
    user = PoolUserFactory(pool=pool)
    member_of = GroupFactory(pool=pool, name="Members")
    other = GroupFactory(pool=pool, name="Others")
    group_assign_users(group=member_of, actor=owner, user_ids=[user.pk])
    response = owner_client.get(url("pool_user_detail", user.pk))
    offered = list(response.context["group_form"].fields["group"].queryset)
    assert offered == [other]
    refused = owner_client.post(
        url("pool_user_group_add", user.pk), {"group": str(member_of.pk)}
    )
    assert form_errors(refused, "group", form="group_form") == ["invalid_choice"]


# --- a viewer ------------------------------------------------------------------------


def test_viewer_pages_have_no_forms_that_change_things(
    client, workspace, member_of, pool, url
):
    viewer = member_of(workspace, Role.VIEWER)
    client.force_login(viewer)
    user = PoolUserFactory(pool=pool)
    group = GroupFactory(pool=pool)
    group_assign_users(group=group, actor=None, user_ids=[user.pk])
    pages = [
        url("pool_user_create"),
        url("group_create"),
        url("group_update", group.pk),
        url("group_assign_users", group.pk),
        url("group_delete", group.pk),
        url("group_detail", group.pk),
        url("pool_settings"),
        url("pool_delete"),
        url("pool_code_rules"),
        url("pool_password_policy"),
        url("pool_sign_in_methods"),
        url("pool_sign_in_policy"),
        url("pool_user_detail", user.pk),
        url("pool_user_data", user.pk),
        url("pool_user_metadata", user.pk),
        url("pool_user_delete", user.pk),
        url("pool_user_activate", user.pk),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        main = response.content.decode().split('<main id="main"', 1)[1]
        # Search forms (GET) stay; nothing that posts.
        main = re.sub(r'<form method="get".*?</form>', "", main, flags=re.S)
        assert 'method="post"' not in main, page
        assert 'type="submit"' not in main, page
    # The server refuses their writes all the same.
    assert client.post(url("pool_user_create"), USER_FORM).status_code == 403
    assert client.post(url("group_create"), {"name": "X"}).status_code == 403


# --- a 403 in the log ----------------------------------------------------------------


def test_forbidden_is_logged_as_one_line_without_traceback(
    client, workspace, member_of, url, caplog
):
    viewer = member_of(workspace, Role.VIEWER)
    client.force_login(viewer)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.post(url("group_create"), {"name": "X"}).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    [record] = records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == (
        f"Forbidden: POST {url('group_create')} by operator {viewer.pk}"
    )
    assert "Traceback" not in caplog.text
    # Django's own console handler (which printed every record a second time
    # under DEBUG) is gone: its records reach the root's handler only.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate


def test_guess_search_pages_through_both_kinds_of_match_once(pool):
    from identity_pools import selectors

    by_identifier = [
        PoolUserFactory(pool=pool, email=f"lee.{n}@example.com") for n in range(30)
    ]
    by_name = [
        PoolUserFactory(
            pool=pool,
            user_data={"given_name": "Bo", "family_name": "Lee", "name": "Bo Lee"},
            display_name=f"Bo Lee {n}",
        )
        for n in range(30)
    ]
    PoolUserFactory(
        pool=pool,
        email="other@example.com",
        user_data={"given_name": "Zed", "family_name": "Roe", "name": "Zed Roe"},
        display_name="Zed Roe",
    )
    seen, cursor = [], None
    while True:
        page = selectors.pool_user_list(
            pool=pool, filters=selectors.UserFilter(q="lee"), cursor=cursor, size=25
        )
        seen += [u.pk for u in page.items]
        if not page.has_next:
            break
        cursor = page.next_cursor
    expected = sorted((u.pk for u in by_identifier + by_name), reverse=True)
    assert seen == expected  # newest first, each once, none left out
