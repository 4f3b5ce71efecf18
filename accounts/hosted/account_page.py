"""The sections other apps show on a pool user's own account page
(``hosted:account``), after "Where you're signed in".

Register in your ``AppConfig.ready()``::

    from accounts.hosted.account_page import register_section

    register_section(
        template="oidc/_account_applications.html", context=applications_context
    )

``context(view) -> dict``: ``view`` is the account page's view (a
``SignedInPageMixin``: ``view.workspace``, ``view.pool`` and ``view.user``, the
signed-in pool user, ``view.request``); what it returns joins the page's
context (its own keys: the page's ``workspace`` and ``pool`` are there
already). Optional ``order`` (default 100): lower first. See
``core.sections``.
"""

from __future__ import annotations

from core.sections import Sections

account_page = Sections("account page")
register_section = account_page.register
