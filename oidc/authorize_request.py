"""The authorization request's own checks, made before Authlib's and before
anything is looked up for the user: whatever an application (or anyone)
sends, the answer is an error page or an error at the redirect URI, never a
500, and no text of the request reaches an error description unfiltered.

First whether an error may be sent to the application at all: the client
and its exact redirect URI, each sent once (else the browser gets an error
page and goes nowhere, RFC 6749 §4.1.2.1). Then what Authlib does not check
(or checks with messages that echo the request): repeated parameters,
request objects (not supported: ``request_not_supported`` and
``request_uri_not_supported``, OpenID Connect Core 3.1.2.6), the response
type, ``max_age``, ``response_mode`` and the nonce's length (it is stored).
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError

MAX_PARAMETER_CHARS = 2048
MAX_NONCE_CHARS = 255  # AuthorizationCode.nonce
# How the answer reaches the application: its redirect URI's query (the
# default), its fragment, or a form the browser posts to it (OAuth 2.0 Form
# Post Response Mode; ASP.NET Core's default).
RESPONSE_MODES = ("query", "fragment", "form_post")
# Parameters of an authorization request that may appear once at most
# (RFC 6749 §3.1; OpenID Connect's own likewise).
SINGLE_PARAMETERS = (
    "response_type",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "id_token_hint",
    "acr_values",
    "ui_locales",
    "display",
    "claims",
    "request",
    "request_uri",
)


def bad_parameters(params) -> str | None:
    """Why ``params`` (a QueryDict) cannot be processed, or None: oversized
    values get a message instead of reaching the database. (NUL bytes and lone
    surrogates never reach a view: ``core.middleware.InputHygieneMiddleware``.)"""
    for key, values in params.lists():
        for value in [key, *values]:
            if len(value) > MAX_PARAMETER_CHARS:
                return (
                    f"The parameter '{key[:40]}' is longer than "
                    f"{MAX_PARAMETER_CHARS} characters."
                )
    return None


def trusted_redirect_uri(provider, params) -> tuple:
    """(client, redirect URI, None) when errors may go to the application at
    that redirect URI; (None, None, why not) otherwise: ``client_id`` or
    ``redirect_uri`` missing or repeated, an application this workspace does
    not have, a redirect URI it did not register (exact match)."""
    for name in ("client_id", "redirect_uri"):
        if len(params.getlist(name)) > 1:
            return None, None, f"'{name}' is sent more than once."
    client = provider.query_client(params.get("client_id"))
    if client is None:
        return None, None, "No application of this workspace has this client_id."
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        return None, None, "'redirect_uri' is missing."
    if not client.check_redirect_uri(redirect_uri):
        why = "'redirect_uri' is not one of the application's redirect URIs."
        return None, None, why + " They must match exactly."
    return client, redirect_uri, None


def max_age_of(params) -> int | None:
    """``max_age`` in seconds; None when absent; -1 when not a number of
    seconds (0 to 10⁹)."""
    raw = params.get("max_age")
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return -1
    value = int(raw)
    return value if value <= 10**9 else -1


def response_mode_of(params) -> str | None:
    """The request's ``response_mode`` (``query`` when absent); None when it
    is none of RESPONSE_MODES."""
    mode = params.get("response_mode") or "query"
    return mode if mode in RESPONSE_MODES else None


def request_error(params, *, redirect_uri: str) -> OAuth2Error | None:
    """The error the application gets at ``redirect_uri`` (trusted) for what
    is wrong with the request before Authlib's checks, or None."""

    def invalid(description: str) -> InvalidRequestError:
        return InvalidRequestError(description, redirect_uri=redirect_uri)

    for name in SINGLE_PARAMETERS:
        if len(params.getlist(name)) > 1:
            return invalid(f"'{name}' is sent more than once.")
    if "request" in params:
        return OAuth2Error(
            error="request_not_supported",
            description="Request objects ('request') are not supported: send "
            "the parameters themselves.",
            redirect_uri=redirect_uri,
        )
    if "request_uri" in params:
        return OAuth2Error(
            error="request_uri_not_supported",
            description="'request_uri' is not supported: send the parameters "
            "themselves.",
            redirect_uri=redirect_uri,
        )
    response_type = params.get("response_type")
    if not response_type:
        return invalid("'response_type' is missing (send response_type=code).")
    if response_type != "code":
        return OAuth2Error(
            error="unsupported_response_type",
            description="Only response_type=code is supported.",
            redirect_uri=redirect_uri,
        )
    if max_age_of(params) == -1:
        return invalid("'max_age' must be a number of seconds.")
    if response_mode_of(params) is None:
        return invalid("'response_mode' must be query, fragment or form_post.")
    if len(params.get("nonce") or "") > MAX_NONCE_CHARS:
        return invalid(f"'nonce' is longer than {MAX_NONCE_CHARS} characters.")
    return None
