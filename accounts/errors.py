"""User-facing messages of the accounts app, keyed by error code."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "bad_credentials": _(
        "The email or password is not correct. Check both and try again."
    ),
    "rate_limited": _(
        "Too many failed attempts. Wait %(minutes)d minutes, then try again."
    ),
    "bad_code": _(
        "This code is not correct or has already been used. Enter the code your "
        "authenticator app shows now."
    ),
    "password_incorrect": _(
        "This password is not correct. Type your current password."
    ),
    "second_factor_expired": _(
        "Your sign-in took too long. Enter your email and password again."
    ),
}


def message(code: str) -> str:
    return str(MESSAGES[code])
