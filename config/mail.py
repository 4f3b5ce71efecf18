"""Turn ``EMAIL_URL`` (django-environ's schemes) into Django 6.1's ``MAILERS``."""

from __future__ import annotations

import environ


def mailers_from_url(url: str, *, timeout: float | None = None) -> dict:
    """``timeout``: seconds an SMTP server has to answer each step (connect,
    send) before the message counts as not sent; without one, a server that
    accepts the connection and never answers holds the request (and its
    worker) until the web server kills it."""
    config = environ.Env.email_url_config(url)
    options: dict = {}
    if config.get("EMAIL_HOST"):
        options["host"] = config["EMAIL_HOST"]
    if config.get("EMAIL_PORT"):
        options["port"] = int(config["EMAIL_PORT"])
    if config.get("EMAIL_HOST_USER"):
        options["username"] = config["EMAIL_HOST_USER"]
    if config.get("EMAIL_HOST_PASSWORD"):
        options["password"] = config["EMAIL_HOST_PASSWORD"]
    if config.get("EMAIL_USE_TLS"):
        options["use_tls"] = True
    if config.get("EMAIL_USE_SSL") or config.get("OPTIONS", {}).get("SSL"):
        options["use_ssl"] = True
    if config["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
        path = config.get("EMAIL_FILE_PATH") or ""
        # django-environ drops the leading slash of filemail:///absolute/dir.
        options["file_path"] = path if path.startswith("/") else "/" + path
    backend = config["EMAIL_BACKEND"]
    if backend.endswith("smtp.EmailBackend") and timeout:
        options["timeout"] = timeout
    if backend.endswith("console.EmailBackend"):
        # Readable in a terminal: links whole, not cut by quoted-printable lines.
        backend = "core.delivery.email.ConsoleEmailBackend"
    return {"default": {"BACKEND": backend, "OPTIONS": options}}
