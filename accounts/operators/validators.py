"""Password rules that Django's own validators do not cover."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.catalogue import error


class MaximumLengthValidator:
    """Refuses passwords longer than ``max_length`` (hashing cost stays bounded)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise error("password_too_long", max=self.max_length)

    def get_help_text(self) -> str:
        return _("Your password can be at most %(max)d characters.") % {
            "max": self.max_length
        }
