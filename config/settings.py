"""Settings for Identity Pools, read from the environment through django-environ.

Every variable is listed in README.md ("Configuration"). An optional ``.env`` file in
the project root is read first; real environment variables win over it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP

from config.database import database_from_url, replica_databases
from config.mail import mailers_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# "production" turns on every HTTPS and cookie hardening that `check --deploy` asks
# for and refuses to start without a real secret key.
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY",
        default="dev-only-insecure-key-do-not-use-in-production-7f3a9c",
    )
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# Encrypts workspaces' token-signing private keys at rest (AES-256-GCM; the key is
# HKDF-SHA256 of this value). When empty it is derived from SECRET_KEY instead, so
# changing SECRET_KEY would make every stored signing key unreadable: production
# should set its own long random value and keep it as long as the keys.
SIGNING_KEYS_SECRET = env.str("SIGNING_KEYS_SECRET", default="")
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies in front of us append to X-Forwarded-For. 0 means we use
# REMOTE_ADDR only, so a client cannot forge its address for the rate limits.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
# Public base URL used in links sent by email (never taken from the Host header).
PUBLIC_URL = env.str("PUBLIC_URL", default="http://localhost:8000").rstrip("/")
# Passkeys (WebAuthn): the relying party is PUBLIC_URL's host name and origin,
# unless these say otherwise (never taken from request headers).
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="") or (
    urlsplit(PUBLIC_URL).hostname or "localhost"
)
WEBAUTHN_ORIGINS = env.list("WEBAUTHN_ORIGINS", default=[]) or [
    "{0.scheme}://{0.netloc}".format(urlsplit(PUBLIC_URL))
]

INSTALLED_APPS = [
    "accounts.apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "core",
    "accounts",
    "workspaces",
    "identity_pools",
    "oidc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.InputHygieneMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Views marked fast_view (the OpenID provider's discovery, JWKS, userinfo, token)
    # skip the middleware below it: core/fastpath/responses.py.
    "core.fastpath.responses.FastPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.hosted.session.HostedSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.operators.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.request.RequestContextMiddleware",
    "core.db.PrimaryAfterWriteMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspaces.context_processors.console",
            ],
        },
    },
    # Plain-text messages (email subjects and bodies, SMS): no HTML escaping, so a
    # pool named "P&Q" reads "P&Q", not "P&amp;Q". Never used for HTML.
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": database_from_url(
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env.int("DJANGO_CONN_MAX_AGE", default=60),
    ),
    # Read replicas (comma-separated URLs) for the console's long lists only.
    **replica_databases(
        env.list("DATABASE_REPLICA_URLS", default=[]),
        conn_max_age=env.int("DJANGO_CONN_MAX_AGE", default=60),
    ),
}
DATABASE_ROUTERS = ["core.db.PrimaryReplicaRouter"]
# SQLite (the quick start) has no covering indexes: the users' walk index then
# holds its key columns only, which is what SQLite's name search needs anyway.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if "sqlite" in DATABASES["default"]["ENGINE"] else []
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Operator"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspaces:workspace_list"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "config.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "config.hashers.BCryptPasswordHasher",  # bcrypt$, 72-byte truncation kept
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Imported hashes in formats Django has no hasher for (bulk import).
    "config.hashers.Bcrypt72PasswordHasher",
    "config.hashers.PBKDF2RawSaltSHA1PasswordHasher",
    "config.hashers.PBKDF2RawSaltSHA256PasswordHasher",
    "config.hashers.PBKDF2RawSaltSHA512PasswordHasher",
    "config.hashers.SaltedMD5PasswordHasher",
    "config.hashers.SaltedSHA1PasswordHasher",
    "config.hashers.SaltedSHA256PasswordHasher",
    "config.hashers.SaltedSHA512PasswordHasher",
    "config.hashers.FirebaseScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "accounts.operators.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Failed console sign-ins: per account and per client address, in the database so
# every server process sees the same counts.
SIGNIN_RATE_LIMITS = {
    "account": (env.int("SIGNIN_MAX_FAILURES_PER_ACCOUNT", default=10), 15 * 60),
    "address": (env.int("SIGNIN_MAX_FAILURES_PER_ADDRESS", default=50), 15 * 60),
}

# Messages sent on anyone's behalf (invitations, codes): see core.delivery.limits.
MESSAGE_RATE_LIMITS = {
    "recipient_per_minute": env.int("MESSAGES_PER_RECIPIENT_PER_MINUTE", default=1),
    "recipient_per_day": env.int("MESSAGES_PER_RECIPIENT_PER_DAY", default=10),
    "workspace_per_day": env.int("MESSAGES_PER_WORKSPACE_PER_DAY", default=1000),
}

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Identity Pools")
OTP_TOTP_TOLERANCE = 1
# Operators' apps wait after wrong codes by our rule (three free, then 1, 2, 4 …
# seconds: accounts.authenticators.throttle), not django-otp's from the first.
OTP_TOTP_THROTTLE_FACTOR = 0
# TOTP secrets and QR codes never appear in the Django admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

SESSION_ENGINE = "accounts.sessions"  # Django's database store, fewer round trips
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# End users' hosted pages keep their own session under another cookie (path /w/).
HOSTED_SESSION_COOKIE_NAME = "ip_hosted_session"
# REST API requests per token per minute (a bulk import of 10,000 users is one).
API_REQUESTS_PER_MINUTE = env.int("API_REQUESTS_PER_MINUTE", default=600)
HOSTED_SESSION_AGE = env.int("HOSTED_SESSION_AGE", default=24 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# EMAIL_URL: smtp://user:pass@host:587 (smtp+tls://, smtps://), consolemail://,
# filemail:///absolute/dir. Django 6.1 configures backends through MAILERS.
# Production must name a real mail server (check --deploy refuses console mail).
# EMAIL_TIMEOUT: seconds an SMTP server has to answer before a message counts
# as not sent (the code is then marked unsent; sending again is the retry).
MAILERS = mailers_from_url(
    env.str("EMAIL_URL")
    if PRODUCTION
    else env.str("EMAIL_URL", default="consolemail://"),
    timeout=env.float("EMAIL_TIMEOUT", default=10.0),
)
# Text messages (mobile identifiers): core.delivery.sms.ConsoleBackend, FileBackend
# (appends JSON lines to SMS_FILE_PATH) or LocmemBackend (tests).
SMS_BACKEND = env.str("SMS_BACKEND", default="core.delivery.sms.ConsoleBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "sent_sms.jsonl"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Identity Pools <no-reply@localhost>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# A strict policy: no inline scripts or styles, nothing from other origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_one_line": {"()": "core.logging.ForbiddenOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own console handler (under DEBUG) would print every record a
        # second time, after the root's: Django's records go to the root only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A 403 is one line (method, path, who), not a traceback.
        "django.request": {"filters": ["forbidden_one_line"]},
    },
}
