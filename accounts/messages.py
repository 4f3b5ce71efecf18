"""Messages of authentication: operators' sign-in, end users' hosted pages, sign-up, sign-in, authenticators.

Part of the one catalogue: registered here when the app loads (its
``apps.py`` imports this module), read anywhere through ``core.catalogue``
(``message(key)``, ``error(key)``). Keys are stable codes; tests assert codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.catalogue import register

MESSAGES: dict[str, Any] = {
    # --- operators: console sign-in, second factor, password ---------------------
    "bad_credentials": _(
        "The email or password is not correct. Check both and try again."
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
    "operator_exists": _(
        "An operator with this email address already exists. Sign in instead, or "
        "use another address."
    ),
    "password_unchanged": _("This is your current password. Choose a different one."),
    # --- hosted pages: registration ------------------------------------------------
    "invitation_link_invalid": _(
        "This invitation link no longer works: it has expired, has been used, or a "
        "newer invitation replaced it. Ask whoever invited you to send a new one."
    ),
    "code_invalid": _(
        "This code is not correct, or it has expired or been used. Check the code in "
        "the latest message, or ask for a new one."
    ),
    "reauthentication_needed": _(
        "You signed in a while ago. Reload the page and confirm it's you first."
    ),
    "identifier_yours": _("You already sign in with this address, and it is verified."),
    "identifiers_full": _(
        "You have %(max)s addresses, the most an account can have. Remove one first."
    ),
    "identifier_taken_proved": _(
        "This address belongs to another account in this pool, so it cannot be "
        "added to this one. Sign in with it there instead."
    ),
    "identifier_unknown": _(
        "This address is not one of yours any more. Reload the page to see them."
    ),
    "identifier_last_verified": _(
        "Keep at least one verified email address or mobile number: you sign in "
        "and reset your password with it. Add and verify another one first."
    ),
    "code_resend_too_soon": _(
        "A code was sent a moment ago. Wait %(wait)s before asking for another."
    ),
    "identifier_type_not_allowed": _(
        "This pool does not accept sign-ups with %(kind)s. Use %(allowed)s instead."
    ),
    "sign_in_blocked": _("Too many failed sign-ins. Wait %(wait)s, then try again."),
    "hosted_rate_limited": _(
        "Too many attempts from your network. Wait %(wait)s, then try again."
    ),
    # --- hosted pages: second factors and passkeys --------------------------------
    "totp_code_invalid": _(
        "This code is not correct. Enter the 6-digit code your authenticator app "
        "shows now."
    ),
    "totp_throttled": _("Too many wrong codes. Wait %(wait)s, then try again."),
    "recovery_code_invalid": _(
        "This recovery code is not correct, or it has been used. Each code works "
        "once; check for typos or use another one."
    ),
    "passkey_failed": _(
        "Your passkey could not be verified. Try again, or sign in another way."
    ),
    "passkey_challenge_invalid": _(
        "This passkey request expired or was already used. Start again."
    ),
    "passkey_unknown": _(
        "This passkey is not registered for this pool. Sign in another way, then "
        "add it on your account page."
    ),
    "passkey_taken": _(
        "This passkey is already registered. Use it to sign in, or choose another one."
    ),
    "passkeys_off": _("This pool does not use passkeys."),
    "passkey_name_invalid": _("Give the passkey a name of 1 to %(max)s characters."),
    "passkey_last_factor": _(
        "This is your only passkey, and signing in here needs a second way to "
        "confirm it's you. Set up another one first (for example an authenticator "
        "app), then remove this passkey."
    ),
    "totp_setup_expired": _(
        "This set-up expired. Add the new key shown below to your app, then enter "
        "the code it shows."
    ),
    "totp_exists": _(
        "You already have an authenticator app. Remove it first, then set up the "
        "new one."
    ),
    "totp_last_factor": _(
        "Signing in here requires a second factor, and this authenticator app is "
        "your only one. Set up another one first (for example a passkey), then "
        "remove the app."
    ),
    "recovery_codes_unneeded": _(
        "Recovery codes stand in for an authenticator app or a passkey. Set up one "
        "of them first."
    ),
    "enrol_impossible": _(
        "This pool requires a second factor, but none can be set up for your "
        "account. Ask the pool's operators for help."
    ),
    "sign_in_password_missing": _("Enter your password."),
    "sign_in_method_unavailable": _(
        "This way of signing in is not available. Choose another one."
    ),
}

register(MESSAGES)
