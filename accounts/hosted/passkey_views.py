"""Passkeys on the hosted pages (registration, sign-in, management)."""

from __future__ import annotations

urlpatterns: list = []
