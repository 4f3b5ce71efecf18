"""The console's user page (Users → a user): what it shows, the bases of the
views that act from it, and the extension point through which the apps above
the directory add what they keep about the user.

Extension point: ``register_section(key, *, template, context=None, order=100,
place="sections")``, called in an upper app's ``AppConfig.ready()`` (``accounts``
registers the sign-in, the authenticators, the password form and the
invitation; ``oidc`` the sessions and applications).

- ``template`` is included in the page with its whole context: ``workspace``,
  ``pool``, ``pool_user``, ``can_change``, the directory's own (``identifiers``,
  ``credential``: the user's password credential or None, …) and what every
  section's ``context`` returned.
- ``context(view, forms) -> dict``: what the template needs. ``view`` is the
  page's view (``view.pool_user``, ``view.pool``, ``view.workspace``,
  ``view.request``; tenancy already resolved); ``forms`` holds the forms that
  failed validation by context name, so a section showing a form takes its
  bound one from there (``UserPageFormView`` puts it in). Keys should be the
  section's own: they are merged into one context.
- ``place``: ``"facts"`` (``<div><dt>…</dt><dd>…</dd></div>`` rows of the
  facts at the top) or ``"sections"`` (``<section>``s between Identifiers and
  User data). ``order``: a place's sections by increasing order.

Registering a key again replaces its section. Views that act from the page
(``UserPageActionView``, ``UserPageFormView``) go back to it; their URLs live
in their own app's urls module, under the user's console path (``USER_PATH``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.catalogue import message
from core.views import ServiceFormView
from workspaces.activity import activity_lines, pool_user_history

from . import selectors
from .credentials import password_credential_of
from .forms import IdentifierAddForm, UserGroupAddForm
from .mixins import PoolUserScopedMixin
from .models import IdentityPool, PoolUser
from .user_schemas.data import schema_data_errors
from .user_schemas.editable import to_be_filled, users_document
from .user_schemas.fields import field_label

PLACES = ("facts", "sections")
# The user page's console path; the actions of every app live under it.
USER_PATH = "w/<slug:workspace>/pools/<uuid:pool>/users/<uuid:pool_user>/"


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable[[object, dict], dict] | None
    order: int
    place: str


_SECTIONS: dict[str, Section] = {}


def register_section(
    key: str,
    *,
    template: str,
    context: Callable[[object, dict], dict] | None = None,
    order: int = 100,
    place: str = "sections",
) -> None:
    """Show ``template`` on every user page (see the module's docstring)."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {PLACES}, not {place!r}")
    _SECTIONS[key] = Section(key, template, context, order, place)


def sections(place: str) -> list[Section]:
    """The registered sections of ``place``, in their order."""
    return sorted(
        (s for s in _SECTIONS.values() if s.place == place),
        key=lambda s: (s.order, s.key),
    )


def user_data_problems(*, pool: IdentityPool, user: PoolUser) -> str:
    """A notice when ``user``'s data no longer satisfies the pool's user schema (the
    schema changed with "Change anyway", or the data was imported), else "". A
    required field only operators fill in that a user who signed up lacks is not
    a problem but work to do (``user_data_to_fill``).

    Validates on render: one compiled, cached check of one row, no query.
    """
    errors = schema_data_errors(
        users_document(pool.user_schema.document), user.user_data
    )
    if not errors:
        return ""
    problems = " ".join(e.message for problems in errors.values() for e in problems)
    return message("user_data_outdated", problems=problems)


def user_data_to_fill(*, pool: IdentityPool, user: PoolUser) -> str:
    """A notice naming the required fields only operators fill in that ``user``
    lacks (``user_schemas.editable``), else ""."""
    document = pool.user_schema.document
    names = to_be_filled(document, user.user_data)
    if not names:
        return ""
    properties = document["properties"]
    labels = ", ".join(field_label(name, properties[name]) for name in names)
    return message("user_data_to_fill", fields=labels)


def _display(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _rows(document: dict, data: dict) -> list[tuple[str, str | None]]:
    """(title, shown value) for each schema property in schema order, then any keys
    the schema does not declare."""
    props = document.get("properties", {})
    rows = [
        (
            spec.get("title") or key.replace("_", " ").capitalize(),
            _display(data.get(key)),
        )
        for key, spec in props.items()
    ]
    rows += [(key, _display(value)) for key, value in data.items() if key not in props]
    return rows


def user_page_context(view, **forms) -> dict:
    """What the user page shows; ``forms`` replaces a form that failed
    validation (the directory's and the sections')."""
    user, pool = view.pool_user, view.pool
    history_kind = view.request.GET.get("history", "all")
    if history_kind not in selectors.HISTORY_KINDS:
        history_kind = "all"
    context = {
        "identifiers": list(user.identifiers.order_by("id")),
        "identifier_form": forms.get("identifier_form") or IdentifierAddForm(),
        "group_form": forms.get("group_form")
        or UserGroupAddForm(pool=pool, pool_user=user),
        "user_groups": selectors.pool_user_groups(user=user),
        # Sentences, with the group changes that list the user (one query a kind).
        "history": activity_lines(
            workspace=view.workspace,
            events=pool_user_history(user=user, kind=history_kind),
        ),
        "history_kind": history_kind,
        "history_kinds": [
            (key, label) for key, (label, _f) in selectors.HISTORY_KINDS.items()
        ],
        "user_data_rows": _rows(pool.user_schema.document, user.user_data),
        "user_data_problems": user_data_problems(pool=pool, user=user),
        "user_data_to_fill": user_data_to_fill(pool=pool, user=user),
        "metadata_rows": _rows(pool.metadata_schema.document, user.metadata),
        "credential": password_credential_of(user),
        "now": timezone.now(),
        "user_page": {place: sections(place) for place in PLACES},
    }
    for place in PLACES:
        for section in context["user_page"][place]:
            if section.context is not None:
                context.update(section.context(view, forms))
    return context


class UserPageMixin(PoolUserScopedMixin):
    """Views that act on a user and return to the user page."""

    def user_page(self, text: str | None = None, *, error: bool = False):
        if text:
            (messages.error if error else messages.success)(self.request, text)
        return redirect(
            "identity_pools:pool_user_detail",
            self.workspace.slug,
            self.pool.pk,
            self.pool_user.pk,
        )


class UserPageActionView(UserPageMixin, View):
    """A button on the user page (POST); GET goes to the page."""

    def get(self, request, *args, **kwargs):
        return self.user_page()


class UserPageFormView(UserPageMixin, ServiceFormView):
    """A form on the user page: invalid input re-renders the user page with the
    errors next to that form (``page_form_name``: its name in the context)."""

    template_name = "identity_pools/pool_user_detail.html"
    page_form_name = ""

    def get(self, request, *args, **kwargs):
        return self.user_page()

    def form_invalid(self, form):
        context = self.get_context_data(form=form)
        context.update(user_page_context(self, **{self.page_form_name: form}))
        return self.render_to_response(context)
