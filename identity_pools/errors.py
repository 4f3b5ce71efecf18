"""User-facing messages of the identity_pools app, keyed by error code.

Each says what is wrong and what to do.
"""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "identifier_required": _("Enter an email address or a mobile number."),
    "identifier_too_long": _("This is too long for an email address or mobile number."),
    "email_invalid": _(
        "“%(value)s” is not an email address. Check it for typos, e.g. name@example.com."
    ),
    "phone_invalid": _(
        "“%(value)s” is not understood as a mobile number. Write it in international "
        "form: + and the country code, then the number, e.g. +44 7911 123456."
    ),
    "phone_unknown": _(
        "“%(value)s” is not a valid number in its country's numbering plan. Check the "
        "country code and the number of digits."
    ),
    "identifier_taken": _(
        "This email or mobile number is already used by another user in this pool."
    ),
    "identifier_last": _(
        "A user needs at least one email or mobile number. Add another one first."
    ),
    "pool_name_taken": _(
        "A pool with this name already exists in this workspace. Choose another name."
    ),
    "pool_confirm_mismatch": _(
        "Type the pool's name exactly as shown to confirm that you want to delete it."
    ),
    "group_name_taken": _("A group with this name already exists in this pool."),
    "users_not_in_pool": _(
        "%(count)d of the chosen users are not in this pool. Users must exist in the "
        "pool before they can be assigned to its groups."
    ),
    "too_many_users": _("Choose at most %(max)d users at once."),
    "no_users_chosen": _("Choose at least one user."),
    "password_required": _("Enter a password, or choose “Send invitation” instead."),
    "password_mismatch": _("The two passwords differ. Type the same password twice."),
    "password_too_short": _(
        "This password is too short. Use at least %(min)d characters; a few unrelated "
        "words make a long password easy to remember."
    ),
    "password_too_long": _(
        "This password is too long. Use at most %(max)d characters."
    ),
    "password_too_common": _(
        "This password is one of the most common passwords. Choose another one."
    ),
    "password_contains_identifier": _(
        "The password must not contain the user's email address or mobile number."
    ),
    "invitation_not_new": _(
        "Only users who have not registered yet (status “New”) can get an invitation."
    ),
    "invitation_no_email": _(
        "This user has no email address to send an invitation to. Add one first."
    ),
    "schema_breaks_users": _(
        "%(count)d existing users would not satisfy the new schema. Review them, then "
        "confirm to save anyway."
    ),
    "schema_wrong_kind": _("Choose a schema of the right kind."),
}


def message(code: str) -> str:
    return str(MESSAGES[code])
