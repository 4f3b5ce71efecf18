"""Email through Django's email backends, from templates.

Each message is ``templates/emails/<name>_subject.txt`` and ``<name>_body.txt``
(plain text, rendered without HTML escaping), and optionally ``<name>_body.html``
(an HTML alternative, escaped as usual, extending ``emails/layout.html``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_templated_email(*, to: str, template: str, context: dict[str, Any]) -> bool:
    """Render and send one message. Returns False (and logs) when sending fails, so the
    caller's committed state stays and the message can be sent again."""
    subject = render_to_string(f"emails/{template}_subject.txt", context, using="text")
    body = render_to_string(f"emails/{template}_body.txt", context, using="text")
    try:
        html = render_to_string(f"emails/{template}_body.html", context)
    except TemplateDoesNotExist:
        html = None
    message = EmailMultiAlternatives(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [to]
    )
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception:
        logger.exception("Could not send %s email to %s", template, to)
        return False
    return True


def email_destination() -> str:
    """Where the configured mailer (``EMAIL_URL``) puts messages, in words for
    whoever starts the server: the terminal, a folder, or an SMTP server."""
    mailer = settings.MAILERS["default"]
    backend, options = mailer["BACKEND"], mailer.get("OPTIONS", {})
    if backend.endswith(("ConsoleEmailBackend", "console.EmailBackend")):
        return "printed in this terminal, by the server"
    if backend.endswith("filebased.EmailBackend"):
        return f"written as files in {options.get('file_path')}"
    if backend.endswith("smtp.EmailBackend"):
        host, port = options.get("host", "localhost"), options.get("port", 25)
        return f"sent through the SMTP server {host}:{port}"
    if backend.endswith("locmem.EmailBackend"):
        return "kept in memory (django.core.mail.outbox), not sent"
    return f"handed to {backend}"


def absolute_url(path: str) -> str:
    """A link for an email, built from PUBLIC_URL, never from the request's Host."""
    return f"{settings.PUBLIC_URL}{path}"


class ConsoleEmailBackend:
    """Development email backend (``EMAIL_URL=consolemail://``): prints each message
    as a person reads it (recipients, subject, the plain-text body with its links
    whole), not as encoded MIME whose long lines are cut with "=" ."""

    def __init__(self, *args, **kwargs) -> None:
        import sys

        self.stream = kwargs.get("stream") or sys.stdout

    def send_messages(self, messages) -> int:
        for message in messages:
            self.stream.write(
                f"\n{'-' * 72}\nEmail to {', '.join(message.to)}\n"
                f"From: {message.from_email}\nSubject: {message.subject}\n\n"
                f"{message.body}\n{'-' * 72}\n"
            )
        self.stream.flush()
        return len(messages)
