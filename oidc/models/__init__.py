"""The OpenID provider's models: its clients and keys (``applications``) and
what it issues (``tokens``)."""

from .applications import (
    Application,
    ApplicationConnection,
    IdpConnection,
    SigningKey,
    new_client_id,
    new_kid,
    new_subject_salt,
)
from .tokens import AuthorizationCode, Consent, OAuthToken, SignInContext

__all__ = [
    "Application",
    "ApplicationConnection",
    "AuthorizationCode",
    "Consent",
    "IdpConnection",
    "OAuthToken",
    "SignInContext",
    "SigningKey",
    "new_client_id",
    "new_kid",
    "new_subject_salt",
]
