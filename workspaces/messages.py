"""Messages of workspaces: tenancy, members and roles, invitations, API tokens, the activity log.

Part of the one catalogue: registered here when the app loads (its
``apps.py`` imports this module), read anywhere through ``core.catalogue``
(``message(key)``, ``error(key)``). Keys are stable codes; tests assert codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.catalogue import register

MESSAGES: dict[str, Any] = {
    # --- workspaces: members and invitations --------------------------------------
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
    "password_mismatch": _("The two passwords differ. Type the same password twice."),
    # --- activity: filters and retention ---------------------------------------------
    "activity_object_invalid": _(
        "Enter an object id as it appears in the object's address, e.g. "
        "0b8e6f0a-5c1e-4f7e-9a51-3c2d1e0f9a8b."
    ),
    "activity_kind_invalid": _("Choose a kind of event from the list."),
    "activity_date_invalid": _("Enter a date as YYYY-MM-DD, e.g. 2026-03-01."),
    "activity_dates_order": _("“To” is before “From”. Choose a later “To” date."),
    "audit_retention_range": _(
        "Enter a number of days from 1 to 3650, or leave it empty to keep activity "
        "forever."
    ),
    # --- choices a form or an API call must make --------------------------------
    "role_invalid": _("Choose owner, admin or viewer."),
    "rate_limited": _("Too many failed attempts. Wait %(wait)s, then try again."),
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
    # --- the REST API and its tokens ------------------------------------------------
    "api_token_name_invalid": _("Give the token a name of 1 to 100 characters."),
    "api_token_scopes_invalid": _("Choose at least one scope: read, write or import."),
    "api_token_expiry_past": _("The expiry must be in the future, or left empty."),
}

register(MESSAGES)
