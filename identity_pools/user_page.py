"""The console's user page (Users → a user): what it shows, the bases of the
views that act from it, and the extension points through which the apps above
the directory show what they keep about the user, without its importing them.

Register in your ``AppConfig.ready()`` (``accounts`` registers the sign-in, the
authenticators, the password form and the invitation's state; ``oidc`` the
sessions)::

    from identity_pools.user_page import register_fact, register_section

    register_section(template="app/_user_thing.html", context=thing_context)

- ``register_section``: a ``<section>`` between Identifiers and User data;
  ``register_fact``: a ``<div><dt>…</dt><dd>…</dd></div>`` row of the facts at
  the top.
- ``context(view) -> dict``: ``view`` is the user page's view (a
  ``PoolUserScopedMixin``: ``view.workspace``, ``view.pool``, ``view.pool_user``
  resolved through the operator's membership, ``view.request``); what it
  returns joins the page's context (its own keys: ``can_change``,
  ``workspace``, ``pool``, ``pool_user`` and the directory's own, such as
  ``credential``, the user's password credential or None, are there already).
  ``view.page_forms`` holds the forms that failed validation, by context name:
  a section showing a form takes its bound one from there
  (``UserPageFormView`` puts it in).
- ``order`` (default 100): lower first, then in the order registered.
  Registering a template again replaces it (``core.sections``).

Views that act from the page (``UserPageActionView``, ``UserPageFormView``)
go back to it; their URLs live in their own app's urls module, under the
user's console path (``USER_PATH``).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.catalogue import message
from core.sections import Sections
from core.views import ServiceFormView
from workspaces.activity import activity_lines

from . import selectors
from .credentials import password_credential_of
from .forms import IdentifierAddForm, UserGroupAddForm
from .mixins import PoolUserScopedMixin
from .models import IdentityPool, PoolUser
from .user_schemas.data import schema_data_errors
from .user_schemas.editable import to_be_filled, users_document
from .user_schemas.fields import field_label

# A pool's console path and its user page's, under which the actions of every
# app live (their urls.py add to them; spelled nowhere else).
POOL_PATH = "w/<slug:workspace>/pools/<uuid:pool>/"
USER_PATH = POOL_PATH + "users/<uuid:pool_user>/"


user_page = Sections("pool user page")
register_section = user_page.register
user_facts = Sections("pool user page's facts")
register_fact = user_facts.register


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
    """What the user page shows, with the other apps' sections; ``forms``
    replaces a form that failed validation (the directory's, or a section's:
    ``view.page_forms``)."""
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
            events=selectors.pool_user_history(user=user, kind=history_kind),
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
    }
    view.page_forms = forms
    context["user_page_sections"], added = user_page.render(view)
    context["user_page_facts"], facts = user_facts.render(view)
    context.update(added)
    context.update(facts)
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
