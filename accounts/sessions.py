"""The session engine (``SESSION_ENGINE``): Django's database store with fewer
round trips, for the console's sessions and the hosted pages' (which use it
under their own cookie: ``accounts.hosted.session``).

A new key is not looked up first (165 random bits; a taken one inserts nothing
and another is drawn), a session is written in one statement without a
savepoint of its own, and ``rotate`` gives a signed-in session its new key as
part of the sign-in's writes. The row is read as Django's store reads it (SQL
written once saved too little to keep: bench/README.md, "Issue 21: which fast
paths pay").
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import (
    VALID_KEY_CHARS,
    CreateError,
    UpdateError,
)
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.utils.crypto import get_random_string

from core.fastpath.writes import Writes


class SessionStore(DatabaseStore):
    def _get_new_session_key(self) -> str:
        """A new session key without asking the database whether it is taken
        (as Django's stores do): 32 characters of 36 are 165 bits, and ``save``
        with ``must_create`` refuses a taken key anyway, so another is drawn."""
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create=False) -> None:
        """Django's database store, as one statement of
        ``core.fastpath.writes.Writes`` and without a transaction of its own: a lone INSERT or UPDATE is atomic
        by itself (a BEGIN and a COMMIT would be two more round trips). A taken
        key inserts nothing (``ON CONFLICT DO NOTHING``) instead of failing, so
        that no savepoint is needed inside the caller's transaction (Django's
        store makes one)."""
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        row = self.create_model_instance(data)
        writes = Writes()
        if must_create:
            writes.insert(row, skip_taken=True)
        else:
            writes.update(
                self.model,
                where={"pk": row.session_key},
                session_data=row.session_data,
                expire_date=row.expire_date,
            )
        [changed] = writes.run()
        if not changed:
            # Taken (``create`` draws another key), or deleted meanwhile.
            raise CreateError if must_create else UpdateError

    def delete(self, session_key=None) -> None:
        """One DELETE (Django's database store reads the row first)."""
        session_key = session_key or self.session_key
        if session_key:
            self.model.objects.filter(session_key=session_key).delete()

    def rotate(self, writes: Writes) -> None:
        """A new key for this session, stored with the session's data as parts
        of ``writes`` (the sign-in's): the old row takes the new key and data
        in one UPDATE (Django's ``flush`` then save is a DELETE and an INSERT),
        or a new row is inserted when the browser had none or it was deleted
        meanwhile. The old key names nothing afterwards (no fixation), and the
        rotation lands with the sign-in's writes or not at all. (A new key
        already taken, one chance in 2**165, fails with an IntegrityError: the
        writes roll back, as for any error.)"""
        old = self.session_key
        self._session_key = self._get_new_session_key()
        row = self.create_model_instance(self._get_session())
        renamed = None
        if old:
            renamed = writes.update(
                self.model,
                where={"pk": old},
                session_key=row.session_key,
                session_data=row.session_data,
                expire_date=row.expire_date,
            )
        writes.insert(row, unless=renamed)
        self.modified = False
        self.rotated = True  # the hosted middleware sends the new key's cookie
