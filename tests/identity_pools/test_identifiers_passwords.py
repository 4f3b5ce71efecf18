import pytest
from django.core.exceptions import ValidationError

from identity_pools.identifiers import (
    identifier_looks_like,
    identifier_parse,
    identifier_search_prefix,
)
from identity_pools.policies.passwords import DEFAULT_POLICY, password_check


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("Ann.Lee@Example.COM", "email", "ann.lee@example.com"),
        ("  ann@example.com ", "email", "ann@example.com"),
        ("+44 7911 123456", "phone", "+447911123456"),
        ("+44-7911-123-456", "phone", "+447911123456"),
        ("0044 (7911) 123.456", "phone", "+447911123456"),
        ("+1 (415) 555-2671", "phone", "+14155552671"),
    ],
)
def test_identifier_parse_normalises(raw, kind, value):
    parsed = identifier_parse(raw)
    assert (parsed.type, parsed.value) == (kind, value)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("ann@", "“ann@” is not an email address"),
        ("ann@@example.com", "is not an email address"),
        ("07911 123456", "international form"),
        ("+44 12", "international form"),
        ("+999 1234567", "not understood"),
        ("+44 1234", "not a valid number"),
        ("hello", "“hello” is not understood"),
        ("+1 555 0000000", "not a valid number"),
    ],
)
def test_identifier_parse_says_which_value_was_not_understood(raw, fragment):
    with pytest.raises(ValidationError) as exc:
        identifier_parse(raw)
    assert exc.value.code in ("identifier_invalid", "required")
    assert fragment in exc.value.messages[0]


def test_identifier_parse_empty_and_too_long():
    with pytest.raises(ValidationError) as exc:
        identifier_parse("   ")
    assert exc.value.code == "required"
    with pytest.raises(ValidationError):
        identifier_parse("a" * 250 + "@example.com")


def test_identifier_search_prefix():
    assert identifier_looks_like("ann@") and identifier_looks_like("+44")
    assert not identifier_looks_like("ann")
    assert identifier_search_prefix("0044 7700") == "+447700"
    assert identifier_search_prefix("+44 7700-9") == "+4477009"
    assert identifier_search_prefix("Ann@Ex") == "ann@ex"


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("short pass", {"password_too_short"}),
        ("x" * 129, {"password_too_long"}),
        ("qazwsxedcrfvtgb", {"password_too_common"}),
        ("ann.lee@example.com rocks!!", {"password_contains_identifier"}),
        ("my annlee secret phrase", set()),
        ("call me at 447911123456 ok", {"password_contains_identifier"}),
    ],
)
def test_password_check(password, codes):
    identifiers = ["ann.lee@example.com", "+447911123456"]
    if not codes:
        password_check(password, policy=DEFAULT_POLICY, identifiers=identifiers)
        return
    with pytest.raises(ValidationError) as exc:
        password_check(password, policy=DEFAULT_POLICY, identifiers=identifiers)
    assert {e.code for e in exc.value.error_list} == codes


def test_password_check_local_part_counts():
    with pytest.raises(ValidationError) as exc:
        password_check(
            "xx annlee is my name ok",
            policy=DEFAULT_POLICY,
            identifiers=["annlee@example.com"],
        )
    assert exc.value.error_list[0].code == "password_contains_identifier"
