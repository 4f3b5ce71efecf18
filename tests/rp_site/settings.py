"""Settings of the relying-party site. Everything that depends on the
provider (its endpoints, the client's id and secret, the ID token's algorithm)
and the site's SQLite database come from environment variables the test sets
(``environ.ImproperlyConfigured`` when one is missing)."""

from __future__ import annotations

import environ

env = environ.Env()

SECRET_KEY = env.str("RP_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "mozilla_django_oidc",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.rp_site.urls"
DATABASES = {"default": env.db("RP_DATABASE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# Own cookie names: the provider's pages may share the host name.
SESSION_COOKIE_NAME = "rp_sessionid"
CSRF_COOKIE_NAME = "rp_csrftoken"

AUTHENTICATION_BACKENDS = ["mozilla_django_oidc.auth.OIDCAuthenticationBackend"]
LOGIN_URL = "oidc_authentication_init"
LOGIN_REDIRECT_URL = "hello"
LOGIN_REDIRECT_URL_FAILURE = "failed"
LOGOUT_REDIRECT_URL = "signed_out"

OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT")
# Not a mozilla-django-oidc setting: read by views.provider_logout_url.
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_OP_END_SESSION_ENDPOINT")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
# mozilla-django-oidc checks the header's alg against this one value, then
# verifies with PyJWT: RS256 and ES256 both work.
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO")
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True  # the provider requires PKCE (S256, the library's default)
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_OP_LOGOUT_URL_METHOD = "tests.rp_site.views.provider_logout_url"
OIDC_TIMEOUT = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "WARNING"},
        "django.security": {"handlers": ["stderr"], "level": "WARNING"},
        "mozilla_django_oidc": {"handlers": ["stderr"], "level": "DEBUG"},
    },
}
