"""Text messages through a small backend interface, like Django's email backends.

``SMS_BACKEND`` names a class with ``send(to: str, body: str) -> None``:
- ``core.delivery.sms.ConsoleBackend`` (default) prints the message;
- ``core.delivery.sms.FileBackend`` appends it to ``SMS_FILE_PATH``;
- ``core.delivery.sms.LocmemBackend`` keeps it in ``core.delivery.sms.outbox``
  (tests).
A real provider (Twilio, SNS, ...) is one more class with the same method.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


class ConsoleBackend:
    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()


class FileBackend:
    def send(self, to: str, body: str) -> None:
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(
                json.dumps({"at": timezone.now().isoformat(), "to": to, "body": body})
            )
            fh.write("\n")


class LocmemBackend:
    def send(self, to: str, body: str) -> None:
        outbox.append(TextMessage(to=to, body=body))


def sms_destination() -> str:
    """Where ``SMS_BACKEND`` puts text messages, in words for whoever starts
    the server."""
    backend = settings.SMS_BACKEND
    if backend == f"{__name__}.ConsoleBackend":
        return "printed in this terminal, by the server"
    if backend == f"{__name__}.FileBackend":
        return f"appended as JSON lines to {settings.SMS_FILE_PATH}"
    if backend == f"{__name__}.LocmemBackend":
        return f"kept in memory ({__name__}.outbox), not sent"
    return f"handed to {backend}"


def send_templated_sms(*, to: str, template: str, context: dict) -> bool:
    """Render ``templates/sms/<template>.txt`` and send it. Returns False (and logs)
    on failure, so the caller's state stays and the message can be sent again."""
    body = render_to_string(f"sms/{template}.txt", context, using="text").strip()
    try:
        import_string(settings.SMS_BACKEND)().send(to, body)
    except Exception:
        logger.exception("Could not send %s SMS to %s", template, to)
        return False
    return True
