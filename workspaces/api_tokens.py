"""Workspace API tokens: made by owners and admins (console or
``manage.py create_api_token``), shown once, stored as a SHA-256 hash, checked on
every API request, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.catalogue import field_error
from core.text import text_problem, text_problem_message
from core.tokens import token_hash

from .models import ApiToken

PREFIX = "ipt_"
# last_used_at is written at most this often per token (not on every request).
LAST_USED_EVERY = timedelta(seconds=60)


def _clean_name(name: str) -> str:
    problem = text_problem(name or "")
    if problem:
        raise ValidationError(
            {
                "name": ValidationError(
                    text_problem_message(problem), code="text_invalid"
                )
            }
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise field_error("name", "api_token_name_invalid")
    return name


def api_token_create(
    *, workspace, actor, name: str, scopes: list[str], expires_at=None
) -> tuple[ApiToken, str]:
    """A new token of ``workspace``: returns it and its secret (shown once, never
    stored). Raises ValidationError on "name", "scopes" or "expires_at"."""
    name = _clean_name(name)
    scopes = sorted(set(scopes or []))
    if not scopes or not set(scopes) <= set(ApiToken.Scope.values):
        raise field_error("scopes", "api_token_scopes_invalid")
    if expires_at is not None and expires_at <= timezone.now():
        raise field_error("expires_at", "api_token_expiry_past")
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            workspace=workspace,
            name=name,
            prefix=secret[: len(PREFIX) + 6],
            token_hash=token_hash(secret),
            scopes=scopes,
            created_by=actor if getattr(actor, "_meta", None) else None,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="api_token.created",
            workspace=workspace,
            target=token,
            details={"name": name, "scopes": scopes},
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Stop ``token`` working at once."""
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            workspace=token.workspace,
            target=token,
            details={"name": token.name},
        )
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live token whose secret this is (not revoked, not expired), with its
    workspace; None otherwise. Notes the time of use (at most once a minute)."""
    if not secret or len(secret) > 200 or not secret.startswith(PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("workspace")
        .filter(token_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
