from __future__ import annotations

from .selectors import workspace_list_for_operator


def console(request) -> dict:
    """The operator's workspaces for the header's switcher, queried only when a page
    renders the switcher."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}

    def memberships():
        return list(workspace_list_for_operator(operator=user))

    return {"operator_memberships": memberships}
