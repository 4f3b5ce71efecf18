"""The hosted pages' own session, apart from the console's.

Django's session (cookie ``sessionid``) belongs to operators: the console's sign-in
and CSRF rely on it. End users get a second session store of the same engine under
another cookie (``HOSTED_SESSION_COOKIE_NAME``) whose path is ``/w/``, so that an
end user's state never reaches the console and an operator's sign-in never reaches
a hosted page. ``HostedSessionMiddleware`` puts it on ``request.hosted_session``
for hosted paths only.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import (
    VALID_KEY_CHARS,
    CreateError,
    UpdateError,
)
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import connection
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.crypto import get_random_string
from django.utils.http import http_date

from core.request import client_ip
from core.writes import Writes

from ..flows.signin import AUTHORIZE_KEY

HOSTED_PREFIX = "/w/"


def new_session_key(self) -> str:
    """A new session key without asking the database whether it is taken (as
    Django's stores do): 32 characters of 36 are 165 bits, and a store that
    creates with ``must_create`` refuses a taken key anyway and draws again."""
    return get_random_string(32, VALID_KEY_CHARS)


def session_delete(self, session_key=None) -> None:
    """One DELETE (Django's database store reads the row first)."""
    session_key = session_key or self.session_key
    if session_key:
        self.model.objects.filter(session_key=session_key).delete()


def session_from_db(self):
    """Django's read of the session row, as SQL written once (the ORM builds
    ``objects.get`` again on each request); the row's data and expiry only.
    None, forgetting the key, when there is no unexpired row."""
    key = self.session_key
    if key is not None:
        meta, qn = self.model._meta, connection.ops.quote_name
        data, expire = (
            qn(meta.get_field(f).column) for f in ("session_data", "expire_date")
        )
        sql = (
            f"SELECT {data}, {expire} FROM {qn(meta.db_table)}"  # noqa: S608
            f" WHERE {qn(meta.pk.column)} = %s AND {expire} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is not None:
            return self.model(session_key=key, session_data=row[0], expire_date=row[1])
    self._session_key = None
    return None


def session_save(self, must_create=False) -> None:
    """Django's database store, as one statement of ``core.writes.Writes``
    (compiled once, not by the ORM on each request) and without a transaction
    of its own: a lone INSERT or UPDATE is atomic by itself (a BEGIN and a
    COMMIT would be two more round trips). A taken key inserts nothing
    (``ON CONFLICT DO NOTHING``) instead of failing, so that no savepoint is
    needed inside the caller's transaction (Django's store makes one)."""
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


def _rotate(self, writes=None) -> None:
    """A new key for this session, stored now with the session's data: the old
    row takes the new key and data in one UPDATE (Django's ``flush`` then save
    is a DELETE and an INSERT), or a new row when the browser had none or it
    was deleted meanwhile. The old key names nothing afterwards (no fixation).
    Run inside the sign-in's transaction, or as parts of its ``writes``
    (``core.writes.Writes``: the UPDATE, and the INSERT only if it changed
    nothing), it lands with it or not at all. (A new key already taken, one
    chance in 2**165, fails with an IntegrityError: the caller's writes roll
    back, as for any error.)"""
    old = self.session_key
    data = self._get_session()
    self._session_key = new_session_key(self)
    if writes is not None:
        row = self.create_model_instance(data)
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
    else:
        renamed = bool(old) and self.model.objects.filter(session_key=old).update(
            session_key=self._session_key,
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )
        if not renamed:
            self._session_key = None
            self.create()
    self.modified = False
    self.rotated = True  # the middleware sends the new key's cookie


def _rotate_generic(self, writes=None) -> None:
    """Other session engines: Django's own key change (now, whatever
    ``writes`` the caller has)."""
    self.cycle_key()


def allow_redirect_to_application(session, response) -> None:
    """While an application's authorization request waits in this browser, its
    redirect URI's origin joins the page's CSP ``form-action``: browsers apply
    form-action to every redirect after a form is sent, and the sign-in's last
    form ends at the application."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    origin = (session.get(AUTHORIZE_KEY) or {}).get("origin")
    if not origin or hasattr(response, "_csp_config"):
        return
    config = dict(settings.SECURE_CSP)
    config["form-action"] = [*config.get("form-action", []), origin]
    response._csp_config = config


class HostedSessionMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        base = import_module(settings.SESSION_ENGINE).SessionStore
        methods = {"_get_new_session_key": new_session_key, "rotate": _rotate_generic}
        if issubclass(base, DatabaseStore):
            methods.update(
                delete=session_delete,
                save=session_save,
                rotate=_rotate,
                _get_session_from_db=session_from_db,
            )
        # Named like the base: the session data's signing salt is the class name.
        self.store = type("SessionStore", (base,), methods)

    def __call__(self, request):
        if not request.path.startswith(HOSTED_PREFIX):
            return self.get_response(request)
        request.hosted_session = self.store(
            request.COOKIES.get(settings.HOSTED_SESSION_COOKIE_NAME)
        )
        # Who signs in, for the single sign-on session's record.
        request.hosted_session.client_ip = client_ip(request)
        request.hosted_session.user_agent = request.headers.get("User-Agent", "")
        response = self.get_response(request)
        session = request.hosted_session
        allow_redirect_to_application(session, response)
        if session.modified and not session.is_empty():
            try:
                session.save()
            except UpdateError:
                # Another request of this browser ended the session meanwhile
                # (signed in or out in another tab, or while a passkey request
                # was in flight): this request's changes go with it; nothing is
                # brought back to life.
                return response
            _set_cookie(response, session)
        elif session.modified and session.session_key:
            session.delete()
            response.delete_cookie(
                settings.HOSTED_SESSION_COOKIE_NAME, path=HOSTED_PREFIX
            )
        elif getattr(session, "rotated", False) and session.session_key:
            _set_cookie(response, session)  # stored by ``rotate`` already
        return response


def _set_cookie(response, session) -> None:
    response.set_cookie(
        settings.HOSTED_SESSION_COOKIE_NAME,
        session.session_key,
        max_age=settings.HOSTED_SESSION_AGE,
        expires=http_date(session.get_expiry_date().timestamp()),
        path=HOSTED_PREFIX,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    patch_vary_headers(response, ("Cookie",))
