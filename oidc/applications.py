"""Applications: the workspace's OpenID Connect clients (issue 11's second step).
Create, change, rotate the secret, delete, and check a secret (for the token
endpoint that comes with the OpenID provider).

Every function takes objects already resolved through the workspace
(``application_access``) and raises ValidationError with catalogue codes on the
fields of ``Application`` ("redirect_uris", "grant_types", "connections", …).
Custom claims are checked by ``claim_mappings_validate`` (the API's JSON) and
``claim_mappings_parse`` (the console's "claim = source" lines); sources start
with one of ``CLAIM_SOURCES``. The type ("kind") is fixed at creation: the
secret and the grants depend on it, so changing it would silently turn a
confidential client public or the reverse.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.audit import audit_record, changes_applied
from core.catalogue import error, field_error, message
from core.text import printable, text_problem
from core.tokens import same_secret, token_hash
from core.validation import validated_save

from .models import Application, IdpConnection

SECRET_PREFIX = "ips_"
MAX_URIS = 20
MAX_URI_LENGTH = 2000
MAX_GRACE_DAYS = 30
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# What the services accept besides name, kind and connections.
SETTINGS = frozenset(
    {
        "redirect_uris",
        "post_logout_redirect_uris",
        "grant_types",
        "scopes",
        "access_token_seconds",
        "refresh_token_seconds",
        "rotate_refresh_tokens",
        "require_consent",
        "require_two_factors",
        "pairwise_subject",
        "id_token_alg",
        "claim_mappings",
    }
)
Kind, Grant, Scope = Application.Kind, Application.GrantType, Application.Scope
ID_TOKEN_ALGS = ("ES256", "RS256")

# --- custom claims ---------------------------------------------------------------
# Where a custom claim's value comes from: "user_data.<path>" or "metadata.<path>".
CLAIM_SOURCES = ("user_data", "metadata")
MAX_CLAIM_MAPPINGS = 50
MAX_SOURCE_SEGMENTS = 5
CLAIM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
SOURCE_SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The standard claims of the "profile" scope (OpenID Connect Core §5.1), read
# from the same-named user-data fields by the provider (oidc.claims).
PROFILE_CLAIMS = (
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
)
# Claims the provider sets itself (registered JWT and OpenID Connect claims).
RESERVED_CLAIMS = frozenset(
    [
        *("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce"),
        *("acr", "amr", "azp", "at_hash", "c_hash", "sid", "scope", "client_id"),
        *("groups", "updated_at", "address", *PROFILE_CLAIMS),
        *("email", "email_verified", "phone_number", "phone_number_verified"),
    ]
)


def _shown(text: str, limit: int = 80) -> str:
    text = printable(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _source_ok(source: str) -> bool:
    prefix, dot, path = source.partition(".")
    segments = path.split(".")
    return (
        prefix in CLAIM_SOURCES
        and bool(dot)
        and len(segments) <= MAX_SOURCE_SEGMENTS
        and all(SOURCE_SEGMENT.fullmatch(s) for s in segments)
    )


def _mapping_problems(claim: str, source: str, seen: set[str]) -> list:
    """What is wrong with one mapping (``seen``: the claims before it)."""
    for text in (claim, source):
        problem = text_problem(text)
        if problem:
            subject = message("application_claims_text")
            return [error(f"text_invalid.{problem}", subject=subject)]
    problems = []
    if not CLAIM_NAME.fullmatch(claim):
        problems.append(error("application_claim_name_invalid", claim=_shown(claim)))
    elif claim in RESERVED_CLAIMS:
        problems.append(error("application_claim_reserved", claim=claim))
    elif claim in seen:
        problems.append(error("application_claim_duplicate", claim=claim))
    if not _source_ok(source):
        problems.append(
            error(
                "application_claim_source_invalid",
                source=_shown(source),
                claim=_shown(claim, 64),
            )
        )
    return problems


def claim_mappings_validate(mappings) -> list[dict]:
    """``mappings`` (a list of ``{"claim": name, "source": source}``, as the
    API takes them) checked and normalised (surrounding spaces removed, in
    order). A source is ``user_data.<path>`` or ``metadata.<path>`` (1 to 5
    dot-separated names of 1 to 64 characters ``[A-Za-z0-9_-]``); a claim name
    matches ``CLAIM_NAME``, is not in ``RESERVED_CLAIMS`` and appears once; at
    most ``MAX_CLAIM_MAPPINGS``. Raises ValidationError with every problem."""
    if isinstance(mappings, str | bytes | dict) or not isinstance(mappings, Iterable):
        raise error("application_claims_invalid.shape")
    mappings = list(mappings)
    if len(mappings) > MAX_CLAIM_MAPPINGS:
        raise error(
            "application_claims_too_many", max=MAX_CLAIM_MAPPINGS, count=len(mappings)
        )
    cleaned: list[dict] = []
    problems: list[ValidationError] = []
    seen: set[str] = set()
    for mapping in mappings:
        if (
            not isinstance(mapping, dict)
            or set(mapping) != {"claim", "source"}
            or not all(isinstance(v, str) for v in mapping.values())
        ):
            raise error("application_claims_invalid.shape")
        claim, source = mapping["claim"].strip(), mapping["source"].strip()
        found = _mapping_problems(claim, source, seen)
        problems.extend(found)
        seen.add(claim)
        cleaned.append({"claim": claim, "source": source})
    if problems:
        raise ValidationError(problems)
    return cleaned


def claim_mappings_parse(text: str) -> list[dict]:
    """The console's textarea: one ``claim = source`` a line, blank lines
    ignored, checked by ``claim_mappings_validate``. Raises ValidationError
    (a line that is not ``claim = source``, or the rules' problems)."""
    problem = text_problem(text)
    if problem:
        raise error(
            f"text_invalid.{problem}", subject=message("application_claims_text")
        )
    mappings, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        claim, equals, source = line.partition("=")
        if not equals or not claim.strip() or not source.strip():
            problems.append(error("application_claims_invalid.line", line=number))
            continue
        mappings.append({"claim": claim, "source": source})
    if problems:
        raise ValidationError(problems)
    return claim_mappings_validate(mappings)


def claim_mappings_text(mappings: list[dict]) -> str:
    """``mappings`` as the console's textarea shows them (``claim_mappings_parse``
    reads this back)."""
    return "\n".join(f"{m['claim']} = {m['source']}" for m in mappings)


def application_access(*, workspace, application_id) -> Application:
    """The application ``application_id`` of ``workspace``; Http404 for missing
    and foreign alike."""
    application = (
        Application.objects.for_workspace(workspace)
        .filter(pk=application_id)
        .select_related("workspace")
        .first()
    )
    if application is None:
        raise Http404("application")
    return application


def default_grant_types(kind: str) -> list[str]:
    if kind == Kind.M2M:
        return [Grant.CLIENT_CREDENTIALS]
    return [Grant.AUTHORIZATION_CODE, Grant.REFRESH_TOKEN]


def default_scopes(kind: str) -> list[str]:
    return [] if kind == Kind.M2M else [Scope.OPENID, Scope.PROFILE, Scope.EMAIL]


def _uri_problem(uri) -> tuple[str, dict] | None:
    """The catalogue key (and its parameters) of what is wrong with ``uri``."""
    if not isinstance(uri, str) or not uri or text_problem(uri):
        return "application_uri_invalid.not_text", {}
    if len(uri) > MAX_URI_LENGTH:
        return "application_uri_invalid.too_long", {
            "uri": uri[:60],
            "max": MAX_URI_LENGTH,
        }
    shown = {"uri": uri if len(uri) <= 200 else uri[:200] + "…"}
    try:
        parts = urlsplit(uri)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return "application_uri_invalid.absolute", shown
    if (
        parts.scheme not in ("http", "https")
        or not host
        or any(c.isspace() for c in uri)
    ):
        return "application_uri_invalid.absolute", shown
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return "application_uri_invalid.https", shown
    if "#" in uri:
        return "application_uri_invalid.fragment", shown
    if parts.username is not None or parts.password is not None:
        return "application_uri_invalid.userinfo", shown
    return None


def _clean_uris(uris, field: str, errors: dict) -> list[str]:
    """``uris`` without blanks and repeats, in order; problems go into
    ``errors[field]``."""
    if isinstance(uris, str) or not isinstance(uris, Iterable):
        errors.setdefault(field, []).append(error("application_uri_invalid.not_text"))
        return []
    cleaned: list[str] = []
    for uri in uris:
        uri = uri.strip() if isinstance(uri, str) else uri
        if uri == "" or uri in cleaned:
            continue
        problem = _uri_problem(uri)
        if problem:
            errors.setdefault(field, []).append(error(problem[0], **problem[1]))
        else:
            cleaned.append(uri)
    if len(cleaned) > MAX_URIS:
        errors.setdefault(field, []).append(
            error("application_uris_too_many", max=MAX_URIS)
        )
    return cleaned


def _ordered_subset(values, choices, field: str, key: str, errors: dict) -> list:
    if isinstance(values, str) or not isinstance(values, Iterable):
        values = [values]
    values = list(dict.fromkeys(values))
    if not all(isinstance(v, str) and v in choices.values for v in values):
        errors.setdefault(field, []).append(error(key))
        return []
    return [v for v in choices.values if v in values]


def _check(application: Application, connections, *, workspace) -> list:
    """Normalise ``application``'s lists in place and check the rules that span
    fields for its kind. Returns the connections as a list; raises
    ValidationError with every problem found."""
    errors: dict[str, list[ValidationError]] = {}
    kind = application.kind
    name = (application.name or "").strip() if isinstance(application.name, str) else ""
    if not name or len(name) > 100 or text_problem(name):
        errors["name"] = [error("application_name_invalid")]
    application.name = name
    if kind not in Kind.values:
        raise field_error("kind", "application_kind_invalid")
    m2m = kind == Kind.M2M
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        uris = _clean_uris(getattr(application, field), field, errors)
        setattr(application, field, uris)
        if m2m and uris:
            errors.setdefault(field, []).append(error("application_uris_m2m"))
    if not m2m and not application.redirect_uris and "redirect_uris" not in errors:
        errors["redirect_uris"] = [error("application_uris_required")]
    grants = _ordered_subset(
        application.grant_types,
        Grant,
        "grant_types",
        "application_grants_invalid.unknown",
        errors,
    )
    application.grant_types = grants
    if "grant_types" not in errors:
        if not grants:
            errors["grant_types"] = [error("application_grants_invalid.empty")]
        elif m2m and grants != [Grant.CLIENT_CREDENTIALS]:
            errors["grant_types"] = [error("application_grants_invalid.m2m")]
        elif kind in Application.PUBLIC_KINDS and Grant.CLIENT_CREDENTIALS in grants:
            errors["grant_types"] = [error("application_grants_invalid.public")]
        elif kind == Kind.WEB and Grant.AUTHORIZATION_CODE not in grants:
            errors["grant_types"] = [error("application_grants_invalid.web")]
    scopes = _ordered_subset(
        application.scopes, Scope, "scopes", "application_scopes_invalid", errors
    )
    application.scopes = scopes
    if not m2m and "scopes" not in errors and Scope.OPENID not in scopes:
        errors["scopes"] = [error("application_openid_required")]
    if application.id_token_alg not in ID_TOKEN_ALGS:
        errors["id_token_alg"] = [error("application_id_token_alg_invalid")]
    try:
        application.claim_mappings = claim_mappings_validate(application.claim_mappings)
    except ValidationError as exc:
        errors["claim_mappings"] = exc.error_list
    connections = list(dict.fromkeys(connections or []))
    if any(
        not isinstance(c, IdpConnection) or c.workspace_id != workspace.pk
        for c in connections
    ):
        errors["connections"] = [error("application_connection_foreign")]
    elif not m2m and not connections:
        connected = IdpConnection.objects.for_workspace(workspace).exists()
        errors["connections"] = [
            error(
                "application_connections_required"
                if connected
                else "application_connections_required.none_connected"
            )
        ]
    if errors:
        raise ValidationError(errors)
    return connections


def _unknown(fields: dict) -> None:
    unknown = set(fields) - SETTINGS
    if unknown:
        raise TypeError(f"Unknown application fields: {sorted(unknown)}")


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


ERROR_FIELDS = {"application_name_taken": "name"}


def application_create(
    *,
    workspace,
    actor,
    name: str,
    kind: str,
    connections: Iterable[IdpConnection] = (),
    **fields,
) -> tuple[Application, str | None]:
    """A new application of ``workspace``; returns it and its client secret
    (web and m2m: ``ips_…``, shown once, only its hash is kept; spa and native:
    None). ``fields`` are the settings of ``SETTINGS``; grant types and scopes
    default by kind. Raises ValidationError on the fields of Application."""
    _unknown(fields)
    fields.setdefault("grant_types", default_grant_types(kind))
    fields.setdefault("scopes", default_scopes(kind))
    application = Application(workspace=workspace, name=name, kind=kind, **fields)
    connections = _check(application, connections, workspace=workspace)
    secret = None if application.is_public else _new_secret()
    application.secret_hash = token_hash(secret) if secret else ""

    def record() -> None:
        application.connections.set(connections)
        audit_record(
            actor=actor,
            action="application.created",
            workspace=workspace,
            target=application,
            details={
                "name": application.name,
                "kind": application.kind,
                "client_id": application.client_id,
            },
        )

    validated_save(application, then=record, error_fields=ERROR_FIELDS)
    return application, secret


def application_update(
    *,
    application: Application,
    actor,
    name: str | None = None,
    kind: str | None = None,
    connections: Iterable[IdpConnection] | None = None,
    **fields,
) -> Application:
    """Change the given settings (None: unchanged). ``kind`` may only repeat the
    current type (``application_kind_fixed`` otherwise). Raises
    ValidationError on the fields of Application; nothing changes then."""
    _unknown(fields)
    if kind is not None and kind != application.kind:
        raise field_error("kind", "application_kind_fixed")
    workspace = application.workspace
    before = list(application.connections.all())
    values = {"name": application.name if name is None else name, **fields}
    draft = Application(
        **{f.attname: getattr(application, f.attname) for f in Application._meta.fields}
    )
    for field, value in values.items():
        setattr(draft, field, value)
    chosen = _check(
        draft, before if connections is None else connections, workspace=workspace
    )
    changes = changes_applied(
        application,
        **{f: getattr(draft, f) for f in ("name", *fields)},
    )
    if {c.pk for c in chosen} != {c.pk for c in before}:
        changes["connections"] = [
            sorted(str(c.pk) for c in before),
            sorted(str(c.pk) for c in chosen),
        ]

    def record() -> None:
        application.connections.set(chosen)
        audit_record(
            actor=actor,
            action="application.updated",
            workspace=workspace,
            target=application,
            details={"changes": changes},
        )

    if changes:
        try:
            validated_save(application, then=record, error_fields=ERROR_FIELDS)
        except ValidationError:
            application.refresh_from_db()
            raise
    return application


def application_rotate_secret(
    *, application: Application, actor, grace_days: int
) -> str:
    """A new client secret (returned once). The old one keeps working for
    ``grace_days`` (0 to 30; 0: it stops at once), replacing any earlier
    previous secret. Refused for public clients (``application_no_secret``)."""
    if application.is_public:
        raise error("application_no_secret")
    if (
        not isinstance(grace_days, int)
        or isinstance(grace_days, bool)
        or not 0 <= grace_days <= MAX_GRACE_DAYS
    ):
        raise field_error("grace_days", "application_grace_invalid")
    secret = _new_secret()
    with transaction.atomic():
        if grace_days:
            application.previous_secret_hash = application.secret_hash
            application.previous_secret_expires_at = timezone.now() + timedelta(
                days=grace_days
            )
        else:
            application.previous_secret_hash = ""
            application.previous_secret_expires_at = None
        application.secret_hash = token_hash(secret)
        application.save(
            update_fields=[
                "secret_hash",
                "previous_secret_hash",
                "previous_secret_expires_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="application.secret_rotated",
            workspace=application.workspace,
            target=application,
            details={"grace_days": grace_days},
        )
    return secret


def application_delete(*, application: Application, actor) -> None:
    """Delete the application: its client id stops working at once."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="application.deleted",
            workspace=application.workspace,
            target=application,
            details={"name": application.name, "client_id": application.client_id},
        )
        application.delete()


def application_check_secret(*, application: Application, secret: str) -> bool:
    """Whether ``secret`` is the application's client secret, or its previous
    one before that expires. Compares hashes in constant time (both are always
    compared); always False for public clients."""
    if application.is_public or not isinstance(secret, str) or not secret:
        return False
    candidate = token_hash(secret)
    current = same_secret(candidate, application.secret_hash)
    previous = same_secret(candidate, application.previous_secret_hash or "-" * 64)
    previous_live = (
        bool(application.previous_secret_hash)
        and application.previous_secret_expires_at is not None
        and application.previous_secret_expires_at > timezone.now()
    )
    return current or (previous and previous_live)


def applications_using(connection: IdpConnection) -> list[Application]:
    """The applications whose users sign in through ``connection``."""
    return list(connection.applications.order_by("name"))


__all__ = [
    "application_access",
    "application_check_secret",
    "application_create",
    "application_delete",
    "application_rotate_secret",
    "application_update",
    "applications_using",
    "claim_mappings_parse",
    "claim_mappings_text",
    "claim_mappings_validate",
]
