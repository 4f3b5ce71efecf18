"""Single sign-on sessions in words, for the console's user page and the
user's own account page: how a session signed in ("password + authenticator
app") and from what ("Firefox on Linux")."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The parts of an SsoSession.method ("password+totp", …), in words.
METHOD_WORDS = {
    "password": gettext_lazy("password"),
    "email_code": gettext_lazy("email code"),
    "sms_code": gettext_lazy("SMS code"),
    "totp": gettext_lazy("authenticator app"),
    "recovery": gettext_lazy("recovery code"),
    "passkey": gettext_lazy("passkey"),
    "synced_passkey": gettext_lazy("synced passkey"),
    "enrolled": gettext_lazy("newly set-up second factor"),
}
# Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
SHORT_AGENT_CHARS = 60


def method_in_words(method: str) -> str:
    """How a session signed in, in words: "password + authenticator app"."""
    parts = [p for p in (method or "").split("+") if p]
    return " + ".join(str(METHOD_WORDS.get(p, p)) for p in parts) or _("unknown")


def browser_in_words(user_agent: str) -> str:
    """A user agent shortened to "Firefox on Linux"; an agent we do not
    recognise is cut to SHORT_AGENT_CHARS characters."""
    agent = re.sub(r"\s+", " ", user_agent or "").strip()
    if not agent:
        return _("unknown")
    browser = next((name for key, name in BROWSERS if key in agent), "")
    system = next((name for key, name in SYSTEMS if key in agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return browser or system
    if len(agent) <= SHORT_AGENT_CHARS:
        return agent
    return agent[: SHORT_AGENT_CHARS - 1] + "…"
