"""Messages to people: email (``email``) and SMS (``sms``) from templates, handed
over after the transaction that decided to send them commits, and the limits on
how many may be sent (``limits``)."""

from __future__ import annotations

from typing import Any


def send_templated(
    *, channel: str, to: str, template: str, context: dict[str, Any]
) -> bool:
    """Send ``template`` by ``channel`` ("email", or "phone" for SMS) to ``to``.
    Returns False (and logs) when the backend refused it, so the caller can record
    the failure and offer a retry."""
    from .email import send_templated_email
    from .sms import send_templated_sms

    if channel == "email":
        return send_templated_email(to=to, template=template, context=context)
    return send_templated_sms(to=to, template=template, context=context)
