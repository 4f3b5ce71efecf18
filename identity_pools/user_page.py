"""The sections other apps show on the console's page of one pool user
(``identity_pools:pool_user_detail``), after its "Sign-in" and
"Authenticators" sections.

Register in your ``AppConfig.ready()``::

    from identity_pools.user_page import register_section

    register_section(template="oidc/console/_user_sessions.html", context=sessions_context)

``context(view) -> dict``: ``view`` is the user page's view (a
``PoolUserScopedMixin``: ``view.workspace``, ``view.pool``, ``view.pool_user``
resolved through the operator's membership, ``view.request``); what it returns
joins the page's context (its own keys: the page's ``can_change``,
``workspace``, ``pool`` and ``pool_user`` are there already). Optional
``order`` (default 100): lower first. See ``core.sections``.
"""

from __future__ import annotations

from core.sections import Sections

user_page = Sections("pool user page")
register_section = user_page.register
