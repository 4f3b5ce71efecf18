"""Template helpers for console forms."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def error_items(form) -> list[tuple[str, str, str]]:
    """The errors of ``form`` as the summary lists them, one (anchor id, label,
    message) per bullet: the form's own errors first (no anchor), then each field's
    in field order, hidden fields included (no anchor, since there is nothing to
    jump to). The summary's count is the length of this list."""
    items = [("", "", str(error)) for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            anchor = "" if field.is_hidden else field.id_for_label
            items.append((anchor, str(field.label or ""), str(error)))
    return items
