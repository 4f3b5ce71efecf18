"""Authentication's audit events as sentences: operators' console sign-in,
end users' sign-ins, sign-ups, passwords and authenticators (registered with
``core.audit_text`` as the app loads; ``apps.py`` imports this module)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.audit_text import Kind, Target, register

SIGN_IN_ACTIONS = (
    "pool_user.signed_in",
    "pool_user.sign_in_failed",
    "pool_user.sign_in_blocked",
    "pool_user.password_change_failed",
    "pool_user.reauthentication_failed",
    "pool_user.recovery_code_used",
    "pool_user.session_ended",
    "operator.signed_in",
    "operator.sign_in_failed",
    "operator.second_factor_failed",
    "operator.password_confirm_failed",
)

register(
    sentences={
        "operator.created": "{actor} created the operator account {email}",
        "operator.superuser_granted": "{actor} made {target} a superuser",
        "operator.signed_in": "{actor} signed in to the console",
        "operator.sign_in_failed": "Console sign-in failed for {actor}",
        "operator.second_factor_failed": "{actor} entered a wrong second-factor code",
        "operator.password_confirm_failed": "{actor} failed to confirm their password",
        "operator.password_changed": "{actor} changed their password",
        "operator.totp_enabled": "{actor} turned on an authenticator app",
        "operator.totp_disabled": "{actor} turned off their authenticator app",
        "pool_user.registered": "{actor} registered from an invitation[ in {pool}]",
        "pool_user.signed_up": "{actor} signed up[ to {pool}]",
        "pool_user.signed_in": "{target} signed in[ to {pool}]",
        "pool_user.sign_in_failed": "Sign-in failed for {target}[ in {pool}]",
        "pool_user.sign_in_blocked": "Sign-in blocked for {target}[ in {pool}]",
        "pool_user.password_set": "{actor} set the password of {target}[ in {pool}]",
        "pool_user.password_changed": "{actor} changed the password of {target}"
        "[ in {pool}]",
        "pool_user.password_change_failed": "A password change failed for {target}"
        "[ in {pool}]",
        "pool_user.reauthentication_failed": "{target} typed a wrong password to "
        "confirm it was them[ in {pool}]",
        "pool_user.password_change_required": "{actor} required {target} to change "
        "their password[ in {pool}]",
        "pool_user.password_reset": "{actor} reset the password of {target}"
        "[ in {pool}]",
        "pool_user.password_reset_sent": "{actor} sent a password reset to {target}"
        "[ in {pool}]",
        "pool_user.unlocked": "{actor} unlocked the sign-in of {target}[ in {pool}]",
        "pool_user.signed_out_everywhere": "{actor} signed {target} out everywhere"
        "[ in {pool}]",
        "pool_user.session_ended": "{actor} ended a session of {target}[ in {pool}]",
        "pool_user.authenticator_removed": "{actor} removed an authenticator of "
        "{target}[ in {pool}]",
        "pool_user.totp_added": "{actor} added an authenticator app for {target}"
        "[ in {pool}]",
        "pool_user.totp_removed": "{actor} removed the authenticator app of {target}"
        "[ in {pool}]",
        "pool_user.totp_remove_failed": "Removing the authenticator app of {target} "
        "failed[ in {pool}]",
        "pool_user.passkey_added": "{actor} added a passkey for {target}[ in {pool}]",
        "pool_user.passkey_renamed": "{actor} renamed a passkey of {target}"
        "[ in {pool}]",
        "pool_user.passkey_removed": "{actor} removed a passkey of {target}"
        "[ in {pool}]",
        "pool_user.recovery_codes_generated": "{actor} generated recovery codes for "
        "{target}[ in {pool}]",
        "pool_user.recovery_code_used": "{target} used a recovery code[ in {pool}]",
    },
    kinds=[
        Kind("sign_ins", _("Sign-ins"), (), 10),
        Kind("operators", _("Operators and members"), ("operator.",), 70),
    ],
    sign_ins=SIGN_IN_ACTIONS,
    labels={
        "seconds": "Blocked for (seconds)",
        "was_blocked": "Was blocked",
        "proof": "Proof",
        "recovery_codes_removed": "Recovery codes removed",
        "passkey": "Passkey",
        "session": "Session",
        "tokens": "Tokens revoked",
        "factor": "Factor",
        "factors": "Factors",
        "superuser": "Superuser",
    },
    label_order=3,
    values={
        "email_code": "email code",
        "sms_code": "SMS code",
        "totp": "authenticator app",
        "bad_password": "wrong password",
        "bad_code": "wrong code",
        "bad_credentials": "wrong email or password",
        "must_reset": "password must be reset",  # failures before accounts 0013
        "unknown_identifier": "unknown email or mobile",
        "sign_in": "at sign-in",
        "account": "account page",
    },
    raw=("device",),
    targets=[Target("accounts.operator", "operator")],
)
