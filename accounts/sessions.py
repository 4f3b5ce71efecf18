"""The session engine (``SESSION_ENGINE``): Django's database store with the
hosted pages' fewer round trips, for the console's sessions too.

A new key is not looked up first (165 random bits; a taken one inserts nothing
and another is drawn), a session is written in one statement without a
savepoint of its own, the row is read and deleted with SQL written once. The
hosted pages' store (``accounts.hosted.session``) is built on this engine under
its own cookie.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from .hosted.session import (
    new_session_key,
    session_delete,
    session_from_db,
    session_save,
)


class SessionStore(DatabaseStore):
    _get_new_session_key = new_session_key
    _get_session_from_db = session_from_db
    save = session_save
    delete = session_delete
