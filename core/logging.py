"""Logging filters."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class ForbiddenOneLine(logging.Filter):
    """A refused request (PermissionDenied → 403) is expected behaviour, not a
    fault: log it as one WARNING line (method, path, who) instead of a traceback.

    For the ``django.request`` logger, whose records carry the ``request``. The
    path is logged without its query string, which may hold tokens.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, PermissionDenied):
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        who = (
            f"operator {user.pk}"
            if user is not None and user.is_authenticated
            else "anonymous"
        )
        record.msg = "Forbidden: %s %s by %s"
        record.args = (
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            who,
        )
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
