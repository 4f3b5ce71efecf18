"""Applications' token settings: the ID-token signing algorithm and custom
claims (``claim = source``), checked by one service for the console's textarea
and the API's JSON; each rule refused with its catalogue code."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from oidc.applications import (
    CLAIM_SOURCES,
    MAX_CLAIM_MAPPINGS,
    application_create,
    application_update,
    claim_mappings_parse,
    claim_mappings_text,
    claim_mappings_validate,
)
from oidc.connections import idp_connect
from oidc.models import Application
from tests.factories import IdentityPoolFactory
from tests.oidc.oidc_helpers import console_url as url
from workspaces.models import Role

pytestmark = pytest.mark.django_db

CALLBACK = ["https://app.example.com/callback"]


def m(claim, source="user_data.department"):
    return {"claim": claim, "source": source}


def codes(exc: ValidationError) -> list[str]:
    return [e.code for e in exc.error_list]


@pytest.fixture
def connection(workspace, owner):
    pool = IdentityPoolFactory(workspace=workspace, name="Customers")
    return idp_connect(workspace=workspace, actor=owner, pool=pool)


# --- the service ------------------------------------------------------------------


def test_claim_sources_are_the_two_prefixes():
    assert CLAIM_SOURCES == ("user_data", "metadata")


def test_parse_reads_one_mapping_a_line():
    text = (
        "department = user_data.department\n\n"
        "  tier=metadata.billing.tier  \r\n"
        "urn:acme:team.id = user_data.org.team-1.id_2\n"
    )
    expected = [
        m("department"),
        m("tier", "metadata.billing.tier"),
        m("urn:acme:team.id", "user_data.org.team-1.id_2"),
    ]
    assert claim_mappings_parse(text) == expected
    assert claim_mappings_parse(claim_mappings_text(expected)) == expected
    assert claim_mappings_parse("") == [] and claim_mappings_parse("\n  \n") == []


def test_validate_accepts_the_limits():
    longest = "_" + "a" * 63
    deepest = "metadata." + ".".join(["s" * 64] * 5)
    mappings = [m(longest, deepest)] + [m(f"c{i}") for i in range(1, 50)]
    assert len(mappings) == MAX_CLAIM_MAPPINGS
    assert claim_mappings_validate(mappings) == mappings
    assert claim_mappings_validate([m(" dept ", " user_data.d ")]) == [
        m("dept", "user_data.d")
    ]


@pytest.mark.parametrize(
    ("mappings", "code"),
    [
        ([m("9lives")], "application_claim_name_invalid"),
        ([m("has space")], "application_claim_name_invalid"),
        ([m("a/b")], "application_claim_name_invalid"),
        ([m("_" + "a" * 64)], "application_claim_name_invalid"),
        ([m("")], "application_claim_name_invalid"),
        ([m("sub")], "application_claim_reserved"),
        ([m("email")], "application_claim_reserved"),
        ([m("groups")], "application_claim_reserved"),
        ([m("x", "profile.department")], "application_claim_source_invalid"),
        ([m("x", "user_data")], "application_claim_source_invalid"),
        ([m("x", "user_data.")], "application_claim_source_invalid"),
        ([m("x", "user_data.a..b")], "application_claim_source_invalid"),
        ([m("x", "user_data.a b")], "application_claim_source_invalid"),
        ([m("x", "user_data." + "a" * 65)], "application_claim_source_invalid"),
        (
            [m("x", "metadata." + ".".join("abcdef"))],
            "application_claim_source_invalid",
        ),
        ([m(f"c{i}") for i in range(51)], "application_claims_too_many"),
        ([m("dept"), m("dept", "metadata.dept")], "application_claim_duplicate"),
        ([m("de\x00pt")], "text_invalid"),
        ([m("dept", "user_data.\ud800")], "text_invalid"),
        ("dept", "application_claims_invalid"),
        ({"claim": "dept"}, "application_claims_invalid"),
        ([{"claim": "dept"}], "application_claims_invalid"),
        ([{**m("dept"), "extra": 1}], "application_claims_invalid"),
        ([{"claim": 1, "source": "user_data.a"}], "application_claims_invalid"),
        (["dept = user_data.a"], "application_claims_invalid"),
    ],
)
def test_validate_refuses(mappings, code):
    with pytest.raises(ValidationError) as info:
        claim_mappings_validate(mappings)
    assert codes(info.value) == [code]
    assert all(m.endswith(".") for m in info.value.messages)


def test_validate_reports_every_problem():
    with pytest.raises(ValidationError) as info:
        claim_mappings_validate([m("iss"), m("ok", "nope.x"), m("9")])
    assert codes(info.value) == [
        "application_claim_reserved",
        "application_claim_source_invalid",
        "application_claim_name_invalid",
    ]
    assert "“iss” is a claim the provider sets itself" in info.value.messages[0]
    assert "“nope.x” (for “ok”)" in info.value.messages[1]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("department user_data.department", "application_claims_invalid"),
        ("= user_data.department", "application_claims_invalid"),
        ("department =", "application_claims_invalid"),
        ("dept = user_data.a\x00", "text_invalid"),
        ("sub = user_data.a", "application_claim_reserved"),
    ],
)
def test_parse_refuses(text, code):
    with pytest.raises(ValidationError) as info:
        claim_mappings_parse(text)
    assert codes(info.value) == [code]


def test_parse_names_the_line():
    with pytest.raises(ValidationError) as info:
        claim_mappings_parse("a = user_data.a\n\nno equals sign here")
    assert info.value.messages == [
        "Line 3 is not “claim = source”. Write one mapping a line, e.g. "
        "department = user_data.department."
    ]


def test_create_and_update_store_the_token_settings(workspace, owner, connection):
    app, _ = application_create(
        workspace=workspace,
        actor=owner,
        name="Shop",
        kind="web",
        redirect_uris=CALLBACK,
        connections=[connection],
        id_token_alg="RS256",
        claim_mappings=[m(" dept ")],
    )
    app.refresh_from_db()
    assert app.id_token_alg == "RS256" and app.claim_mappings == [m("dept")]
    application_update(
        application=app, actor=owner, claim_mappings=[], id_token_alg="ES256"
    )
    app.refresh_from_db()
    assert not app.require_two_factors  # the box left unticked
    assert app.id_token_alg == "ES256" and app.claim_mappings == []
    changes = AuditEvent.objects.get(action="application.updated").details["changes"]
    assert set(changes) == {"claim_mappings", "id_token_alg"}


def test_service_refuses_on_the_fields(workspace, owner, connection):
    with pytest.raises(ValidationError) as info:
        application_create(
            workspace=workspace,
            actor=owner,
            name="Shop",
            kind="spa",
            redirect_uris=CALLBACK,
            connections=[connection],
            id_token_alg="HS256",
            claim_mappings=[m("aud")],
        )
    errors = info.value.error_dict
    assert [e.code for e in errors["id_token_alg"]] == [
        "application_id_token_alg_invalid"
    ]
    assert [e.code for e in errors["claim_mappings"]] == ["application_claim_reserved"]
    assert not Application.objects.exists()


# --- the console ------------------------------------------------------------------


def form_data(connection, **extra):
    data = {
        "name": "Shop",
        "kind": "spa",
        "redirect_uris": "https://app.example.com/callback",
        "connections": [str(connection.pk)],
        "scopes": ["openid", "email"],
        "access_token_seconds": "3600",
        "refresh_token_days": "30",
        "id_token_alg": "ES256",
        "claim_mappings": "",
    }
    data.update(extra)
    return data


def test_console_create_and_edit_the_token_settings(
    owner_client, workspace, connection
):
    page = owner_client.get(url(workspace, "application_create"))
    body = page.content.decode()
    assert "ID-token signing algorithm" in body and "Custom claims" in body
    assert "department = user_data.department" in body
    text = "department = user_data.department\ntier = metadata.billing.tier"
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(
            connection,
            id_token_alg="RS256",
            claim_mappings=text,
            require_two_factors="on",
        ),
    )
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.id_token_alg == "RS256" and app.require_two_factors
    assert app.claim_mappings == [m("department"), m("tier", "metadata.billing.tier")]
    detail = owner_client.get(url(workspace, "application_detail", app.pk))
    form = detail.context["form"]
    assert form.initial["id_token_alg"] == "RS256"
    assert form.initial["require_two_factors"] is True
    assert "Users sign in with two factors" in detail.content.decode()
    assert form.initial["claim_mappings"] == text
    assert "tier = metadata.billing.tier" in detail.content.decode()
    response = owner_client.post(
        url(workspace, "application_detail", app.pk),
        form_data(connection, claim_mappings="team = user_data.team"),
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert not app.require_two_factors  # the box left unticked
    assert app.id_token_alg == "ES256" and app.claim_mappings == [
        m("team", "user_data.team")
    ]


def test_console_fields_not_sent_keep_their_values(
    owner_client, workspace, owner, connection
):
    app, _ = application_create(
        workspace=workspace,
        actor=owner,
        name="Shop",
        kind="spa",
        redirect_uris=CALLBACK,
        connections=[connection],
        id_token_alg="RS256",
        claim_mappings=[m("department")],
    )
    data = form_data(connection, name="Shop 2")
    del data["id_token_alg"], data["claim_mappings"]
    response = owner_client.post(url(workspace, "application_detail", app.pk), data)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.name == "Shop 2" and app.id_token_alg == "RS256"
    assert app.claim_mappings == [m("department")]
    # Sent empty, the claims are cleared.
    response = owner_client.post(
        url(workspace, "application_detail", app.pk), form_data(connection)
    )
    app.refresh_from_db()
    assert app.claim_mappings == [] and app.id_token_alg == "ES256"


def test_viewers_see_the_token_settings(
    client, workspace, owner, member_of, connection
):
    app, _ = application_create(
        workspace=workspace,
        actor=owner,
        name="Shop",
        kind="spa",
        redirect_uris=CALLBACK,
        connections=[connection],
        id_token_alg="RS256",
        claim_mappings=[m("department")],
    )
    client.force_login(member_of(workspace, Role.VIEWER))
    body = client.get(url(workspace, "application_detail", app.pk)).content.decode()
    assert "<dd>RS256</dd>" in body
    assert "<code>department</code> = <code>user_data.department</code>" in body


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Department! = user_data.department", "application_claim_name_invalid"),
        ("email = user_data.email", "application_claim_reserved"),
        ("department = profile.department", "application_claim_source_invalid"),
        (
            "\n".join(f"c{i} = user_data.c" for i in range(51)),
            "application_claims_too_many",
        ),
        ("a = user_data.a\na = metadata.a", "application_claim_duplicate"),
        ("department: user_data.department", "application_claims_invalid"),
    ],
)
def test_console_refuses_each_rule_on_the_field(
    owner_client, workspace, connection, text, code
):
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(connection, claim_mappings=text),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["claim_mappings"]] == [code]
    assert not Application.objects.exists()


def test_console_refuses_another_algorithm(owner_client, workspace, connection):
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(connection, id_token_alg="HS256"),
    )
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["id_token_alg"]] == ["invalid_choice"]


def test_console_nul_is_a_message_not_a_500(owner_client, workspace, connection):
    response = owner_client.post(
        url(workspace, "application_create"),
        form_data(connection, claim_mappings="dept\x00 = user_data.dept"),
    )
    assert response.status_code == 400
    assert (
        "The field “claim_mappings” contains a NUL character"
        in response.content.decode()
    )
    assert not Application.objects.exists()


def test_console_lone_surrogate_is_a_message_not_a_500(
    owner_client, workspace, connection
):
    """A browser cannot send a lone surrogate as UTF-8; the bytes one would
    make (surrogatepass) decode to U+FFFD, which no claim name allows."""
    fields = form_data(connection)
    fields.pop("connections")
    fields.pop("scopes")
    encoded = urlencode(fields) + f"&connections={connection.pk}&scopes=openid"
    bad = quote("dept\ud800".encode("utf-8", "surrogatepass"))
    body = encoded.replace("claim_mappings=", f"claim_mappings={bad}+%3D+user_data.a")
    response = owner_client.post(
        url(workspace, "application_create"),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["claim_mappings"]] == [
        "application_claim_name_invalid"
    ]
    assert not Application.objects.exists()
