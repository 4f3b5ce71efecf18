"""The REST API (``/api/v1/``, django-ninja): pools, schemas, users, identifiers,
invitations, groups, bulk import and export, for a workspace's API tokens. The
endpoints call the console's services, so rules, counters and audit events are
the same. ``api`` is mounted by ``config/urls.py``."""

from __future__ import annotations

from .base import api

__all__ = ["api"]
