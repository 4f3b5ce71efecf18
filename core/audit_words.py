"""Core's own words for audit details: what any event may carry (from/to,
names, addresses, where, why), registered like every app's
(``core.audit_text.register``)."""

from __future__ import annotations

from .audit_text import register

register(
    labels={
        "from": "From",
        "to": "To",
        "via": "Via",
        "method": "Method",
        "reason": "Reason",
        "fields": "Fields",
        "kind": "Kind",
        "at": "Where",
        "where": "Where",
        "error": "Error",
        "name": "Name",
        "email": "Email",
        "days": "Days",
    },
    label_order=0,
    raw=("name", "email", "to", "display_name", "error", "fields"),
)
