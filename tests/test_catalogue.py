"""The message catalogue: each app registers its own messages; a key said two
ways is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import catalogue


def test_every_app_registers_its_messages():
    # one key of each app's messages.py
    for key in ("text_invalid.nul", "slug_taken", "pool_name_taken", "bad_credentials"):
        assert key in catalogue.MESSAGES, key


def test_a_key_registered_again_with_another_text_is_refused(monkeypatch):
    monkeypatch.setattr(catalogue, "MESSAGES", {"slug_taken": "one text"})
    catalogue.register({"other_key": "fine"})
    with pytest.raises(ImproperlyConfigured):
        catalogue.register({"slug_taken": "another text"})
