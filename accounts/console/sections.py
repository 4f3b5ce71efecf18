"""What the console's user page shows of a pool user's sign-in, registered in
the page's sections (``identity_pools.user_page.register_section``) by
``AccountsConfig.ready()``: the invitation's state (among the facts), sign-in
blocks with the operator's buttons, the authenticators, and the set-password
form. Each context function reads what its
template shows (the password credential is the page's own ``credential``)."""

from __future__ import annotations

from identity_pools.models import PoolUser
from identity_pools.user_page import register_fact, register_section

from ..authenticators.codes.services import code_latest
from ..authenticators.lockout.services import lock_state
from ..models import Code, Passkey, RecoveryCode, TotpDevice
from .forms import SetPasswordForm

TEMPLATES = "accounts/console/"


def invitation_context(view) -> dict:
    user = view.pool_user
    return {
        "invitation": code_latest(user=user, purpose=Code.Purpose.INVITATION)
        if user.status == PoolUser.Status.NEW
        else None
    }


def sign_in_context(view) -> dict:
    """The identifiers' sign-in blocks now (value → until)."""
    return {
        "blocked": lock_state(
            pool=view.pool,
            identifiers=[i.value for i in view.pool_user.identifiers.all()],
        )
    }


def authenticators_context(view) -> dict:
    """The user's authenticators besides the password: the authenticator app,
    passkeys, recovery codes left."""
    user = view.pool_user
    return {
        "totp_device": TotpDevice.objects.filter(user=user).first(),
        "passkeys": list(Passkey.objects.filter(user=user).order_by("created_at")),
        "recovery_left": RecoveryCode.objects.filter(
            user=user, used_at__isnull=True
        ).count(),
    }


def password_context(view) -> dict:
    return {
        "password_form": view.page_forms.get("password_form")
        or SetPasswordForm(pool=view.pool)
    }


def register() -> None:
    """Put the sections on the user page: the sign-in and the authenticators
    first, the password form last (sections of the default order, 100, such as
    the provider's sessions, come between)."""
    register_fact(
        template=TEMPLATES + "_user_invitation.html", context=invitation_context
    )
    register_section(
        template=TEMPLATES + "_user_sign_in.html", context=sign_in_context, order=10
    )
    register_section(
        template=TEMPLATES + "_user_authenticators.html",
        context=authenticators_context,
        order=20,
    )
    register_section(
        template=TEMPLATES + "_user_password.html",
        context=password_context,
        order=200,
    )
