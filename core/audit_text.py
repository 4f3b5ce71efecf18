"""Audit events as sentences a person reads.

``describe(event, names)`` turns one ``AuditEvent`` into a ``Line``: a sentence
("demo@example.com deactivated Ann Lee (ann@example.com) in Customers") whose
objects are ``Ref``s (a label, and a link when the object still exists), and the
remaining details as labelled, human values (no codes, reprs or raw dicts).

Core imports no feature app: the caller passes ``names``, an object with
``ref(target_type, target_id) -> Ref | None`` and ``pool_of(target_type,
target_id) -> Ref | None`` that has batch-loaded the page's objects (see
``workspaces.activity``). ``KINDS`` groups the actions for filtering.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

USER = "identity_pools.pooluser"
POOL = "identity_pools.identitypool"
GROUP = "identity_pools.group"
GROUP_MEMBER_ACTIONS = ("group.users_assigned", "group.users_removed")
# How many user names a group-membership event lists before "and N more".
USERS_SHOWN = 10


@dataclass(frozen=True)
class Ref:
    """An object named in a sentence: its label, and its console URL ("" when it
    no longer exists or has no page)."""

    label: str
    url: str = ""

    def __str__(self) -> str:
        return self.label


class Names(Protocol):
    def ref(self, target_type: str, target_id: str) -> Ref | None: ...

    def pool_of(self, target_type: str, target_id: str) -> Ref | None: ...


@dataclass
class Detail:
    label: str
    parts: list[str | Ref]

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)


@dataclass
class Line:
    """One event, readable: ``parts`` make the sentence, ``details`` the rest."""

    event: Any
    kind: str
    parts: list[str | Ref]
    details: list[Detail] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)

    @property
    def details_text(self) -> str:
        return "; ".join(f"{d.label}: {d.text}" for d in self.details)

    # The event's own columns, for templates and callers that read them.
    @property
    def pk(self):
        return self.event.pk

    @property
    def action(self) -> str:
        return self.event.action

    @property
    def created_at(self):
        return self.event.created_at

    @property
    def ip_address(self):
        return self.event.ip_address


# --- kinds of events (the Activity filter) -------------------------------------------
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
# key → (label, action prefixes); sign-ins are taken out of the other kinds.
KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "sign_ins": (_("Sign-ins"), ()),
    "users": (_("Users"), ("pool_user.", "pool_users.")),
    "groups": (_("Groups"), ("group.",)),
    "pools": (_("Pools and schemas"), ("pool.", "user_schema.")),
    "applications": (
        _("Applications and tokens"),
        ("application.", "api_token.", "oauth.", "idp.", "signing_key."),
    ),
    "settings": (_("Workspace settings"), ("workspace.",)),
    "operators": (
        _("Operators and members"),
        ("operator.", "membership.", "invitation."),
    ),
}


def kind_of(action: str) -> str:
    if action in SIGN_IN_ACTIONS:
        return "sign_ins"
    for key, (_label, prefixes) in KINDS.items():
        if action.startswith(prefixes):
            return key
    return ""


# --- sentences ----------------------------------------------------------------------
# "[...]" is left out when a placeholder inside it has no value. Placeholders:
# actor, target, pool, and any key of the details (then not repeated below).
SENTENCES: dict[str, str] = {
    "workspace.created": "{actor} created the workspace {target}",
    "workspace.updated": "{actor} changed the workspace settings",
    "workspace.audit_purged": "{actor} deleted {deleted:activity event} older "
    "than {days:day}",
    "workspace.activity_exported": "{actor} exported the activity as {format}",
    "invitation.created": "{actor} invited {email} to the workspace",
    "invitation.revoked": "{actor} revoked the invitation of {email}",
    "invitation.accepted": "{actor} accepted the invitation and joined the workspace",
    "membership.added": "{actor} added {email} to the workspace",
    "membership.role_changed": "{actor} changed the role of {email}",
    "membership.removed": "{actor} removed {email} from the workspace",
    "operator.created": "{actor} created the operator account {email}",
    "operator.superuser_granted": "{actor} made {target} a superuser",
    "operator.signed_in": "{actor} signed in to the console",
    "operator.sign_in_failed": "Console sign-in failed for {actor}",
    "operator.second_factor_failed": "{actor} entered a wrong second-factor code",
    "operator.password_confirm_failed": "{actor} failed to confirm their password",
    "operator.password_changed": "{actor} changed their password",
    "operator.totp_enabled": "{actor} turned on an authenticator app",
    "operator.totp_disabled": "{actor} turned off their authenticator app",
    "pool.created": "{actor} created the pool {target}",
    "pool.updated": "{actor} changed the settings of {target}",
    "pool.deleted": "{actor} deleted the pool {target}",
    "pool.sign_up_changed": "{actor} changed how users sign up to {target}",
    "pool.password_policy_changed": "{actor} changed the password policy of {target}",
    "pool.sign_in_policy_changed": "{actor} changed the sign-in policy of {target}",
    "pool.sign_in_methods_changed": "{actor} changed the sign-in methods of {target}",
    "pool.code_rules_changed": "{actor} changed the code rules of {target}",
    "pool.schemas_changed": "{actor} changed the schemas of {target}",
    "pool.users_seeded": "{actor} added generated test users to {target}",
    "pool_users.exported": "{actor} exported the users of {target}",
    "pool_users.imported": "{actor} imported users into {target}",
    "user_schema.created": "{actor} created the schema {target}",
    "user_schema.updated": "{actor} changed the schema {target}",
    "user_schema.deleted": "{actor} deleted the schema {target}",
    "pool_user.created": "{actor} created {target}[ in {pool}]",
    "pool_user.invitation_sent": "{actor} sent an invitation to {target}[ in {pool}]",
    "pool_user.registered": "{actor} registered from an invitation[ in {pool}]",
    "pool_user.signed_up": "{actor} signed up[ to {pool}]",
    "pool_user.data_updated": "{actor} changed the user data of {target}[ in {pool}]",
    "pool_user.metadata_updated": "{actor} changed the metadata of {target}"
    "[ in {pool}]",
    "pool_user.activated": "{actor} activated {target}[ in {pool}]",
    "pool_user.deactivated": "{actor} deactivated {target}[ in {pool}]",
    "pool_user.deleted": "{actor} deleted {target}[ from {pool}]",
    "pool_user.identifier_added": "{actor} added {identifier} to {target}[ in {pool}]",
    "pool_user.identifier_removed": "{actor} removed {identifier} from {target}"
    "[ in {pool}]",
    "pool_user.identifier_verified": "{actor} verified {identifier} of {target}"
    "[ in {pool}]",
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
    "pool_user.password_reset": "{actor} reset the password of {target}[ in {pool}]",
    "pool_user.password_reset_sent": "{actor} sent a password reset to {target}"
    "[ in {pool}]",
    "pool_user.unlocked": "{actor} unlocked the sign-in of {target}[ in {pool}]",
    "pool_user.signed_out_everywhere": "{actor} signed {target} out everywhere"
    "[ in {pool}]",
    "pool_user.session_ended": "{actor} ended a session of {target}[ in {pool}]",
    "pool_user.authenticator_removed": "{actor} removed an authenticator of {target}"
    "[ in {pool}]",
    "pool_user.totp_added": "{actor} added an authenticator app for {target}"
    "[ in {pool}]",
    "pool_user.totp_removed": "{actor} removed the authenticator app of {target}"
    "[ in {pool}]",
    "pool_user.totp_remove_failed": "Removing the authenticator app of {target} "
    "failed[ in {pool}]",
    "pool_user.passkey_added": "{actor} added a passkey for {target}[ in {pool}]",
    "pool_user.passkey_renamed": "{actor} renamed a passkey of {target}[ in {pool}]",
    "pool_user.passkey_removed": "{actor} removed a passkey of {target}[ in {pool}]",
    "pool_user.recovery_codes_generated": "{actor} generated recovery codes for "
    "{target}[ in {pool}]",
    "pool_user.recovery_code_used": "{target} used a recovery code[ in {pool}]",
    "group.created": "{actor} created the group {target}[ in {pool}]",
    "group.updated": "{actor} changed the group {target}[ in {pool}]",
    "group.deleted": "{actor} deleted the group {target}[ from {pool}]",
    "group.users_assigned": "{actor} added {added:user} to the group {target}"
    "[ in {pool}]",
    "group.users_removed": "{actor} removed {removed:user} from the group {target}"
    "[ in {pool}]",
    "application.created": "{actor} created the application {target}",
    "application.updated": "{actor} changed the application {target}",
    "application.secret_rotated": "{actor} rotated the secret of {target}",
    "application.deleted": "{actor} deleted the application {target}",
    "api_token.created": "{actor} created the API token {target}",
    "api_token.revoked": "{actor} revoked the API token {target}",
    "idp.connected": "{actor} connected {pool} as an identity provider",
    "idp.disconnected": "{actor} disconnected {pool} as an identity provider",
    "signing_key.rotated": "{actor} rotated the signing keys",
    "oauth.token_issued": "{actor} issued tokens to {target}",
    "oauth.token_refused": "{actor} was refused a token",
    "oauth.token_revoked": "{actor} revoked a token of {target}",
    "oauth.tokens_revoked": "{actor} revoked the tokens {application} holds for "
    "{target}",
    "oauth.family_revoked": "{actor} revoked a reused token's family",
}
# A "from"/"to" pair of details is one change of this.
FROM_TO = {
    "pool_user.activated": "Status",
    "pool_user.deactivated": "Status",
    "membership.role_changed": "Role",
}
# Details already said by the sentence's target, or internal.
QUIET = {"pool", "display_name", "next_serial"}

LABELS: dict[str, str] = {
    "identifier": "Identifier",
    "identifiers": "Identifiers",
    "mode": "Mode",
    "must_change_password": "Must change password",
    "must_change": "Must change password",
    "from": "From",
    "to": "To",
    "via": "Via",
    "method": "Method",
    "reason": "Reason",
    "seconds": "Blocked for (seconds)",
    "fields": "Fields",
    "users": "Users",
    "added": "Added",
    "removed": "Removed",
    "already_members": "Already members",
    "members": "Members",
    "groups": "Groups",
    "failing_users": "Users failing the schema",
    "users_checked": "Users checked",
    "users_failing": "Users failing",
    "forced": "Changed anyway",
    "include_password_hashes": "With password hashes",
    "records": "Records",
    "created": "Created",
    "updated": "Updated",
    "skipped": "Skipped",
    "failed": "Failed",
    "on_conflict": "On conflict",
    "groups_created": "Groups created",
    "scopes": "Scopes",
    "scope": "Scope",
    "grant": "Grant",
    "grace_days": "Old secret works for (days)",
    "client_id": "Client ID",
    "kind": "Kind",
    "alg": "Algorithm",
    "activated": "Active key",
    "retired": "Retired key",
    "next": "Next key",
    "deleted": "Keys deleted",
    "keep_seconds": "Kept for (seconds)",
    "was_blocked": "Was blocked",
    "proof": "Proof",
    "recovery_codes_removed": "Recovery codes removed",
    "passkey": "Passkey",
    "session": "Session",
    "tokens": "Tokens revoked",
    "revoked": "Tokens revoked",
    "at": "Where",
    "where": "Where",
    "factor": "Factor",
    "factors": "Factors",
    "superuser": "Superuser",
    "role": "Role",
    "error": "Error",
    "token": "Token",
    "application": "Application",
    "name": "Name",
    "email": "Email",
    "slug": "Slug",
    "days": "Days",
    "audit_retention_days": "Keep activity for (days)",
    "user_schema": "User data schema",
    "metadata_schema": "Metadata schema",
    "document": "Schema document",
}
# Codes stored in details, as words.
VALUES: dict[str, str] = {
    "email_code": "email code",
    "sms_code": "SMS code",
    "totp": "authenticator app",
    "bad_password": "wrong password",
    "bad_code": "wrong code",
    "bad_credentials": "wrong email or password",
    "must_reset": "password must be reset",  # sign-in failures before accounts 0013
    "unknown_identifier": "unknown email or mobile",
    "sign_in": "at sign-in",
    "account": "account page",
    "authorization_code": "authorization code",
    "refresh_token": "refresh token",
    "client_credentials": "client credentials",
    "access_token": "access token",
}
# Details that are names or addresses: shown as recorded, never as words.
RAW = (
    {"name", "email", "identifier", "identifiers", "to", "display_name", "device"}
    | {"application", "slug", "client_id", "scope", "scopes", "fields", "error"}
    | {"activated", "retired", "next", "grant"}
)
_SHORT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")


def short_id(value: str) -> str:
    """The first 8 characters of a UUID (enough to tell objects apart on a page)."""
    value = str(value)
    return value[:8] if _SHORT_ID.match(value) else value


def label_of(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def value_text(value: Any, *, raw: bool = False) -> str:
    """A detail value as words: yes/no, "none", lists joined by commas, codes in
    words, UUIDs shortened; never a Python repr. ``raw`` keeps strings as they
    are (names, addresses)."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,}" if isinstance(value, int) else str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, raw=raw) for v in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(
            f"{label_of(str(k))}: {value_text(v)}" for k, v in value.items()
        )
    text = str(value)
    if raw:
        return text
    if text in VALUES:
        return VALUES[text]
    if re.fullmatch(r"[a-z]+(_[a-z]+)+", text):
        return text.replace("_", " ")
    return short_id(text)


def _change(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{value_text(value[0])} → {value_text(value[1])}"
    if value is True:
        return "changed"
    return value_text(value)


def _recorded_label(target_type: str, details: dict) -> str:
    """What the event recorded about its target, for objects since deleted."""
    for key in ("name", "display_name", "email"):
        if isinstance(details.get(key), str) and details[key]:
            return details[key]
    identifiers = details.get("identifiers")
    if isinstance(identifiers, list) and identifiers:
        return str(identifiers[0])
    if target_type == USER:
        for key in ("identifier",):
            if isinstance(details.get(key), str) and details[key]:
                return details[key]
    return ""


def _noun(target_type: str) -> str:
    return {
        USER: "user",
        POOL: "pool",
        GROUP: "group",
        "oidc.application": "application",
        "accounts.apitoken": "API token",
        "workspaces.membership": "member",
        "workspaces.workspaceinvitation": "invitation",
        "oidc.signingkey": "signing key",
        "identity_pools.userschema": "schema",
        "accounts.operator": "operator",
    }.get(target_type, target_type.rsplit(".", 1)[-1] or "object")


def target_ref(event, names: Names) -> Ref | None:
    if not event.target_type:
        return None
    found = names.ref(event.target_type, event.target_id)
    if found is not None:
        return found
    details = event.details if isinstance(event.details, dict) else {}
    recorded = _recorded_label(event.target_type, details)
    return Ref(recorded or f"{_noun(event.target_type)} {short_id(event.target_id)}")


def actor_ref(event, names: Names) -> Ref:
    label = event.actor_label or event.get_actor_type_display()
    kind = {
        "pool_user": USER,
        "application": "oidc.application",
        "api_token": "accounts.apitoken",
    }.get(event.actor_type)
    if kind and event.actor_id:
        found = names.ref(kind, event.actor_id)
        if found is not None:
            return found
    if event.actor_type == "api_token":
        return Ref(f"API token {label}")
    return Ref(label)


def _fill(template: str, values: dict[str, Any]) -> tuple[list[str | Ref], set]:
    """The parts of ``template`` with ``values``; "[...]" optional segments drop
    out when one of their placeholders has no value. Returns the keys used."""
    parts: list[str | Ref] = []
    used: set[str] = set()
    for optional, segment in _segments(template):
        pieces: list[str | Ref] = []
        keys = set()
        missing = False
        for literal, name, spec, _conv in string.Formatter().parse(segment):
            if literal:
                pieces.append(literal)
            if name is None:
                continue
            keys.add(name)
            value = values.get(name)
            if value is None or value == "":
                missing = True
                pieces.append("something" if name == "target" else "")
            elif spec and isinstance(value, int):
                # "{added:user}" → "1 user", "3 users"
                pieces.append(f"{value:,} {spec}{'' if value == 1 else 's'}")
            else:
                pieces.append(
                    value if isinstance(value, (Ref, str)) else value_text(value)
                )
        if optional and missing:
            continue
        parts += pieces
        used |= keys
    return parts, used


def _segments(template: str):
    for match in re.finditer(r"\[([^\]]*)\]|([^\[]+)", template):
        if match.group(1) is not None:
            yield True, match.group(1)
        else:
            yield False, match.group(2)


def _detail(event, key: str, value: Any, names: Names) -> list[Detail]:
    if key == "changes" and isinstance(value, dict):
        return [Detail(label_of(str(k)), [_change(v)]) for k, v in value.items()]
    if key == "users" and isinstance(value, list):
        refs: list[str | Ref] = []
        for n, user_id in enumerate(value[:USERS_SHOWN]):
            if n:
                refs.append(", ")
            refs.append(
                names.ref(USER, str(user_id)) or Ref(f"user {short_id(user_id)}")
            )
        more = len(value) - USERS_SHOWN
        if more > 0:
            refs.append(f" and {more} more")
        return [Detail(label_of(key), refs or ["none"])]
    if key == "name" and isinstance(value, list):
        return [Detail(label_of(key), [_change(value)])]
    return [Detail(label_of(key), [value_text(value, raw=key in RAW)])]


_ORDER = {key: n for n, key in enumerate(LABELS)}


def _order(key: str) -> tuple[int, str]:
    """Details in a fixed order (PostgreSQL's jsonb keeps no key order)."""
    return (_ORDER.get(key, len(_ORDER)), key)


def describe(event, names: Names) -> Line:
    """``event`` as a sentence with labelled details; an unknown action reads
    "<actor> did “<action in words>” on <target>"."""
    details = event.details if isinstance(event.details, dict) else {}
    target = target_ref(event, names)
    pool = None
    if event.target_type == POOL:
        pool = target
    elif event.target_type:
        pool = names.pool_of(event.target_type, event.target_id)
    if pool is None and details.get("pool"):
        pool = names.ref(POOL, str(details["pool"]))
    values: dict[str, Any] = {
        **{k: v for k, v in details.items() if isinstance(v, (str, int, float))},
        "actor": actor_ref(event, names),
        "target": target,
        "pool": pool,
    }
    template = SENTENCES.get(event.action)
    if template is None:
        words = event.action.replace(".", ": ").replace("_", " ")
        words = re.sub(r"[{}\[\]]", "", words)
        template = "{actor} did “" + words + "”"
        template += " on {target}" if target is not None else ""
    parts, used = _fill(template, values)
    if parts and isinstance(parts[0], str):
        parts[0] = parts[0][:1].upper() + parts[0][1:]
    lines: list[Detail] = []
    if event.action in FROM_TO and {"from", "to"} <= details.keys():
        pair = [details["from"], details["to"]]
        lines.append(Detail(FROM_TO[event.action], [_change(pair)]))
        used |= {"from", "to"}
    for key in sorted(details, key=_order):
        value = details[key]
        if key in used or key in QUIET:
            continue
        if key in ("name", "email") and target is not None and value == target.label:
            continue
        lines += _detail(event, key, value, names)
    return Line(event=event, kind=kind_of(event.action), parts=parts, details=lines)


def referenced(events) -> dict[str, set[str]]:
    """The ids each event names (targets, actors, pools and users in details),
    by type: what a ``Names`` should load for these events."""
    wanted: dict[str, set[str]] = {}

    def add(kind: str, value: Any) -> None:
        if value:
            wanted.setdefault(kind, set()).add(str(value))

    for event in events:
        if event.target_type:
            add(event.target_type, event.target_id)
        if event.actor_type == "pool_user":
            add(USER, event.actor_id)
        elif event.actor_type == "application":
            add("oidc.application", event.actor_id)
        elif event.actor_type == "api_token":
            add("accounts.apitoken", event.actor_id)
        details = event.details if isinstance(event.details, dict) else {}
        if isinstance(details.get("pool"), str):
            add(POOL, details["pool"])
        if event.action in GROUP_MEMBER_ACTIONS and isinstance(
            details.get("users"), list
        ):
            for user_id in details["users"][:USERS_SHOWN]:
                add(USER, user_id)
    return wanted
