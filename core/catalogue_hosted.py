"""Messages of the end users' hosted pages, the pools' sign-in settings and the REST API (part of the one catalogue: read them through
``core.catalogue``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Any] = {
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
    "signup_closed": _("Sign-up is not open for this pool."),
    "signup_no_identifier": _(
        "Choose at least one way to sign up (email address or mobile number), or "
        "turn self-registration off."
    ),
    "lockout_order": _(
        "The longest block must be at least as long as the first block."
    ),
    "reset_no_address": _(
        "A password reset needs an active user with a verified email address or "
        "mobile number. Mark one verified first."
    ),
    "password_none": _(
        "This user has no password yet. Set one first, or let them choose one from "
        "an invitation."
    ),
    "sign_in_failed": _(
        "The email address, mobile number or password is not correct. Check them "
        "and try again."
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
    # --- an application's sign-in: what the consent page says each scope allows -----
    "consent_scope.openid": _("Know who you are (your account's id)"),
    "consent_scope.profile": _("See your name and profile details"),
    "consent_scope.email": _("See your email address"),
    "consent_scope.phone": _("See your mobile number"),
    "consent_scope.address": _("See your postal address"),
    "consent_scope.groups": _("See the groups you belong to"),
    "consent_scope.offline_access": _("Keep access while you are signed out"),
    # --- pool settings: sign-in methods ----------------------------------------------
    "sign_in_methods_none": _(
        "Turn at least one sign-in method on, or no one can sign in."
    ),
    "sign_in_preferred_off": _(
        "The preferred method must be one of the methods turned on."
    ),
    "second_factor_methods_none": _(
        "Choose at least one method that counts as a second factor, or turn the "
        "second factor off."
    ),
    # --- the REST API and its tokens ------------------------------------------------
    "api_token_name_invalid": _("Give the token a name of 1 to 100 characters."),
    "api_token_scopes_invalid": _("Choose at least one scope: read, write or import."),
    "api_token_expiry_past": _("The expiry must be in the future, or left empty."),
    "api_unauthenticated": _(
        "Send a valid API token: the header “Authorization: Bearer <token>”. The "
        "token may be revoked or expired; make a new one under the workspace's API "
        "tokens."
    ),
    "api_scope_missing": _(
        "This token lacks the “%(scope)s” scope this request needs. Make a token "
        "with it under the workspace's API tokens."
    ),
    "api_not_found": _(
        "There is no such %(what)s in this workspace. Check the id in the URL."
    ),
    "api_rate_limited": _(
        "Too many requests with this token. Wait %(wait)s, then try again."
    ),
    "api_invalid": _("%(detail)s"),
    "api_body_too_large": _(
        "The request body is larger than %(max)s bytes. Send less at once (bulk "
        "imports: at most 10,000 records a request)."
    ),
    "api_no_such_address": _(
        "There is no such address in the API. Check the path against the API "
        "reference at /api/v1/docs (ids are UUIDs)."
    ),
    # --- choices a form or an API call must make --------------------------------
    "role_invalid": _("Choose owner, admin or viewer."),
    "mode_invalid": _("Choose “Send invitation” or “Set credentials”."),
    "status_invalid": _("Choose activate or deactivate."),
    "user_id_invalid": _("“%(value)s” is not a user id."),
}
