import hashlib

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from tests.factories import PASSWORD, OperatorFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_login_page_has_the_guides_labels(client):
    html = client.get(LOGIN).content.decode()
    assert ">Email" in html and ">Password" in html and ">Sign in</button>" in html


def test_sign_in_success_opens_console(client, operator):
    response = sign_in(client, operator.email.upper(), PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    assert AuditEvent.objects.filter(
        action="operator.signed_in", actor_id=str(operator.pk)
    ).exists()


def test_sign_in_wrong_password_and_unknown_email_look_the_same(client, operator):
    wrong = sign_in(client, operator.email, "not the password at all")
    unknown = sign_in(client, "nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert (
        wrong.context["form"].non_field_errors()
        == unknown.context["form"].non_field_errors()
    )
    assert "not correct" in wrong.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_inactive_operator_refused_with_same_message(client):
    inactive = OperatorFactory(is_active=False)
    response = sign_in(client, inactive.email, PASSWORD)
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == [
        "bad_credentials"
    ]


def test_sign_in_rate_limited_per_account(client, operator, settings):
    settings.SIGNIN_RATE_LIMITS = {"account": (3, 900), "address": (100, 900)}
    for _ in range(3):
        assert sign_in(client, operator.email, "wrong password here").status_code == 200
    # Even the right password is refused while the account is limited.
    response = sign_in(client, operator.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address still works.
    other = OperatorFactory()
    assert sign_in(client, other.email, PASSWORD).status_code == 302


def test_sign_in_rate_limited_per_address(client, settings):
    settings.SIGNIN_RATE_LIMITS = {"account": (100, 900), "address": (3, 900)}
    for n in range(3):
        sign_in(client, f"guess{n}@example.com", "wrong password here")
    victim = OperatorFactory()
    assert sign_in(client, victim.email, PASSWORD).status_code == 429
    # A different client address is not affected.
    assert (
        sign_in(client, victim.email, PASSWORD, REMOTE_ADDR="10.9.9.9").status_code
        == 302
    )


def test_sign_in_next_parameter_only_local(client, operator):
    response = client.post(
        LOGIN + "?next=https://evil.example/",
        {"email": operator.email, "password": PASSWORD},
    )
    assert response["Location"] == "/console/"
    client.logout()
    response = client.post(
        LOGIN + "?next=/console/account/password/",
        {"email": operator.email, "password": PASSWORD},
    )
    assert response["Location"] == "/console/account/password/"


def test_console_requires_sign_in(client):
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_signout_is_post_only(client, operator):
    client.force_login(operator)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/console/").status_code == 302


def test_password_change(client, operator):
    client.force_login(operator)
    url = reverse("accounts:password_change")
    bad = client.post(
        url,
        {"old_password": "wrong", "new_password1": "short", "new_password2": "short"},
    )
    errors = bad.context["form"].errors.as_data()
    assert errors["old_password"][0].code == "password_incorrect"
    new = "a much longer brand new passphrase"
    ok = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert ok.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password(new)
    assert operator.password.startswith("argon2id$argon2id$")
    assert AuditEvent.objects.filter(action="operator.password_changed").count() == 1
    assert client.get("/console/").status_code == 200  # this session survives


def test_password_change_rejects_short_and_common(client, operator):
    client.force_login(operator)
    url = reverse("accounts:password_change")
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "password1",
            "new_password2": "password1",
        },
    )
    codes = {e.code for e in response.context["form"].errors.as_data()["new_password2"]}
    assert {"password_too_short", "password_too_common"} <= codes


@pytest.mark.parametrize(
    ("length", "refused"),
    [(14, ["password_too_short"]), (15, []), (128, []), (129, ["password_too_long"])],
)
def test_an_operators_password_is_15_to_128_characters(operator, length, refused):
    """The console's validators (settings.AUTH_PASSWORD_VALIDATORS), at their
    boundaries."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    password = (hashlib.sha256(b"length only").hexdigest() * 3)[:length]
    try:
        validate_password(password, user=operator)
    except ValidationError as exc:
        assert [e.code for e in exc.error_list] == refused
    else:
        assert refused == []


# --- TOTP ---------------------------------------------------------------------------


def enrol(client) -> TOTPDevice:
    client.post(reverse("accounts:two_factor"))
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(
        reverse("accounts:two_factor_setup"), {"code": current_code(device)}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    return device


def test_totp_enrolment_needs_a_correct_code(client, operator):
    client.force_login(operator)
    client.post(reverse("accounts:two_factor"))
    response = client.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert response.context["form"].errors.as_data()["code"][0].code == "bad_code"
    response = client.post(reverse("accounts:two_factor_setup"), {"code": "abc"})
    assert "Enter the 6 digits" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_totp_enrolment_then_second_factor_at_sign_in(client, operator):
    client.force_login(operator)
    device = enrol(client)
    assert device.confirmed
    assert AuditEvent.objects.filter(action="operator.totp_enabled").exists()
    client.logout()

    response = sign_in(client, operator.email, PASSWORD)
    assert response["Location"] == reverse("accounts:login_verify")
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get("/console/").status_code == 302

    wrong = client.post(reverse("accounts:login_verify"), {"code": "000000"})
    assert wrong.context["form"].errors.as_data()["code"][0].code == "bad_code"

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        reverse("accounts:login_verify"), {"code": current_code(device, 1)}
    )
    assert response.status_code == 302, response.content
    assert client.get("/console/").status_code == 200


def test_totp_code_cannot_be_replayed(client, operator):
    client.force_login(operator)
    device = enrol(client)
    client.logout()
    code = current_code(device, 1)
    sign_in(client, operator.email, PASSWORD)
    assert (
        client.post(reverse("accounts:login_verify"), {"code": code}).status_code == 302
    )
    client.logout()
    sign_in(client, operator.email, PASSWORD)
    response = client.post(reverse("accounts:login_verify"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_verify_page_without_password_step_goes_back_to_login(client):
    response = client.post(reverse("accounts:login_verify"), {"code": "123456"})
    assert response["Location"] == LOGIN


def test_totp_disable_needs_password(client, operator):
    client.force_login(operator)
    enrol(client)
    url = reverse("accounts:two_factor")
    response = client.post(url, {"action": "disable", "password": "nope"})
    assert response.context["disable_form"].errors.as_data()["password"][0].code == (
        "password_incorrect"
    )
    assert TOTPDevice.objects.filter(user=operator).exists()
    client.post(url, {"action": "disable", "password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert AuditEvent.objects.filter(action="operator.totp_disabled").exists()


def test_admin_requires_second_factor_when_operator_has_one(client):
    admin_op = OperatorFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_op)
    assert client.get("/admin/").status_code == 200  # no device: password is enough
    TOTPDevice.objects.create(user=admin_op, name="app", confirmed=True)
    client.force_login(admin_op)  # signed in without the second factor
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN + "?next=%2Fadmin%2F"
    assert b">Sign in</button>" in response.content
    assert "_auth_user_id" not in client.session


def test_password_only_session_ends_when_operator_enrols_elsewhere(client, operator):
    client.force_login(operator)
    TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    assert client.get("/console/")["Location"].startswith(LOGIN)


def test_admin_refuses_non_staff(client, operator):
    client.force_login(operator)
    assert client.get("/admin/").status_code == 302


def test_admin_never_shows_totp_secret(client):
    admin_op = OperatorFactory(is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin_op, name="app", confirmed=False)
    client.force_login(admin_op)
    html = client.get(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    ).content.decode()
    assert device.key not in html


@pytest.mark.parametrize("form", ["password_change", "two_factor_disable"])
def test_wrong_current_password_counts_against_the_sign_in_limit(
    client, operator, settings, form
):
    """Guessing the password inside a (stolen) session is limited like sign-in."""
    settings.SIGNIN_RATE_LIMITS = {"account": (3, 900), "address": (100, 900)}
    client.force_login(operator)
    if form == "password_change":
        url, field = reverse("accounts:password_change"), "old_password"

        def attempt(password):
            return client.post(
                url,
                {
                    "old_password": password,
                    "new_password1": "a brand new passphrase 2026",
                    "new_password2": "a brand new passphrase 2026",
                },
            )
    else:
        enrol(client)
        url, field = reverse("accounts:two_factor"), "password"

        def attempt(password):
            return client.post(url, {"action": "disable", "password": password})

    context_form = "form" if form == "password_change" else "disable_form"
    for _ in range(3):
        response = attempt("a wrong guess at the password")
        assert response.status_code == 200
        assert response.context[context_form].errors.as_data()[field][0].code == (
            "password_incorrect"
        )
    # The limit is reached: even the right password is not checked.
    response = attempt(PASSWORD)
    assert response.status_code == 429
    assert response.context[context_form].errors.as_data()[field][0].code == (
        "rate_limited"
    )
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)
    if form == "two_factor_disable":
        assert TOTPDevice.objects.filter(user=operator, confirmed=True).exists()
    assert (
        AuditEvent.objects.filter(action="operator.password_confirm_failed").count()
        == 3
    )
    # And the account's sign-in is limited too.
    client.logout()
    assert sign_in(client, operator.email, PASSWORD).status_code == 429


def test_every_django_login_records_the_last_sign_in(rf, operator):
    """``last_login_record`` stands in for Django's ``update_last_login``: any
    ``login()`` (the console's, the admin's) records the time, once."""
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    before = operator.last_login
    login(request, operator, backend="django.contrib.auth.backends.ModelBackend")
    operator.refresh_from_db()
    assert operator.last_login is not None and operator.last_login != before


def test_an_email_in_another_case_signs_in(client, operator):
    response = sign_in(client, operator.email.upper(), PASSWORD)
    assert response.status_code == 302
