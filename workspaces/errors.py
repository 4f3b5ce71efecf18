"""User-facing messages of the workspaces app, keyed by error code."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "slug_taken": _(
        "This slug is already used by another workspace. Choose another slug."
    ),
    "already_member": _("This operator is already a member of the workspace."),
    "already_invited": _(
        "An invitation for this email is already open. Revoke it first to send a new one."
    ),
    "last_owner": _(
        "A workspace needs at least one owner. Make another member an owner first."
    ),
    "invitation_invalid": _(
        "This invitation link is invalid, has expired or has already been used. "
        "Ask a workspace owner for a new one."
    ),
    "invitation_wrong_operator": _(
        "This invitation was sent to another email address. Sign out and open the link "
        "again, or ask for an invitation to your address."
    ),
}


def message(code: str) -> str:
    return str(MESSAGES[code])
