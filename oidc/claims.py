"""The claims an application receives about a pool user (ID token and
userinfo): ``sub`` (the user's id, or a pairwise one per application), the
standard scopes ``profile``, ``email``, ``phone``, ``address``, the ``groups``
claim, and the operator's custom claims mapped from user data and metadata."""

from __future__ import annotations

import base64
import hashlib
import hmac

from identity_pools.models import GroupMembership, Identifier

from .applications import PROFILE_CLAIMS

# Standard claims of the "profile" scope, read from the same-named user-data field.
PROFILE_FIELDS = PROFILE_CLAIMS
SUPPORTED_CLAIMS = (
    "sub",
    *PROFILE_FIELDS,
    "updated_at",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "address",
    "groups",
    "auth_time",
    "acr",
    "amr",
    "nonce",
)
# The members of the "address" claim (OpenID Connect Core 5.1.1).
ADDRESS_FIELDS = (
    "formatted",
    "street_address",
    "locality",
    "region",
    "postal_code",
    "country",
)
MAX_GROUPS = 200
MAX_PATH_SEGMENTS = 5


def subject(*, application, user_id) -> str:
    """The ``sub`` ``application`` knows ``user_id`` by: the user's id, or with
    pairwise subjects an HMAC of it under the application's own salt (stable,
    and unlinkable across applications)."""
    if not application.pairwise_subject:
        return str(user_id)
    digest = hmac.new(
        application.subject_salt.encode(), str(user_id).encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _lookup(document, path: str):
    value = document
    for segment in path.split(".")[:MAX_PATH_SEGMENTS]:
        if not isinstance(value, dict) or segment not in value:
            return None
        value = value[segment]
    return value


def _identifier(user, kind: str):
    """The user's verified identifier of ``kind`` (the oldest), else any."""
    found = [i for i in user.oidc_identifiers if i.type == kind]
    verified = [i for i in found if i.is_verified]
    return (verified or found or [None])[0]


def address_claim(value) -> dict | None:
    """The ``address`` claim from the user data's ``address`` field: an
    object keeps its OpenID Connect members that are text, a text is the
    ``formatted`` address; None when nothing is left."""
    if isinstance(value, str):
        value = {"formatted": value}
    if not isinstance(value, dict):
        return None
    claim = {
        name: value[name]
        for name in ADDRESS_FIELDS
        if isinstance(value.get(name), str) and value[name]
    }
    return claim or None


def user_claims(*, application, user, scopes, identifiers=None, groups=None) -> dict:
    """The claims about ``user`` for ``scopes`` (a collection of scope names).
    Loads the user's identifiers (unless given: objects with ``type``,
    ``value`` and ``is_verified``, in id order) and groups, with ``groups``
    (unless given: the names in name order, at most ``MAX_GROUPS``), in one
    query each."""
    scopes = set(scopes)
    data = user.user_data if isinstance(user.user_data, dict) else {}
    claims: dict = {"sub": subject(application=application, user_id=user.pk)}
    if identifiers is not None:
        user.oidc_identifiers = list(identifiers)
    elif scopes & {"email", "phone"}:
        user.oidc_identifiers = list(
            Identifier.objects.filter(user=user)
            .only("type", "value", "is_verified")
            .order_by("id")
        )
    if "profile" in scopes:
        for field in PROFILE_FIELDS:
            value = data.get(field)
            if isinstance(value, str) and value:
                claims[field] = value
        if "name" not in claims and user.display_name:
            claims["name"] = user.display_name
        claims["updated_at"] = int(user.updated_at.timestamp())
    if "email" in scopes:
        email = _identifier(user, Identifier.Type.EMAIL)
        if email is not None:
            claims["email"] = email.value
            claims["email_verified"] = email.is_verified
    if "phone" in scopes:
        phone = _identifier(user, Identifier.Type.PHONE)
        if phone is not None:
            claims["phone_number"] = phone.value
            claims["phone_number_verified"] = phone.is_verified
    if "address" in scopes:
        address = address_claim(data.get("address"))
        if address is not None:
            claims["address"] = address
    if "groups" in scopes and groups is not None:
        claims["groups"] = list(groups)[:MAX_GROUPS]
    elif "groups" in scopes:
        claims["groups"] = list(
            GroupMembership.objects.filter(user=user)
            .order_by("group__name")
            .values_list("group__name", flat=True)[:MAX_GROUPS]
        )
    for mapping in application.claim_mappings or []:
        source, _, path = str(mapping.get("source", "")).partition(".")
        document = {"user_data": data, "metadata": user.metadata}.get(source)
        value = _lookup(document, path) if isinstance(document, dict) else None
        if value is not None and mapping.get("claim") not in claims:
            claims[mapping["claim"]] = value
    return claims
