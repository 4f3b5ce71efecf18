"""What the console's user page shows of a pool user's sign-in, registered in
the page's sections (``identity_pools.user_page.register_section``) by
``AccountsConfig.ready()``: the invitation's state (among the facts), sign-in
blocks with the operator's buttons, the authenticators, and the set-password
form. Each context function reads what its
template shows (the password credential is the page's own ``credential``)."""

from __future__ import annotations

from identity_pools.models import PoolUser
from identity_pools.user_page import register_section

from ..authenticators.codes import code_latest
from ..authenticators.lockout import lock_state
from ..models import Code, Passkey, RecoveryCode, TotpDevice
from .forms import SetPasswordForm

TEMPLATES = "accounts/console/"


def invitation_context(view, forms) -> dict:
    user = view.pool_user
    return {
        "invitation": code_latest(user=user, purpose=Code.Purpose.INVITATION)
        if user.status == PoolUser.Status.NEW
        else None
    }


def sign_in_context(view, forms) -> dict:
    """The identifiers' sign-in blocks now (value → until)."""
    return {
        "blocked": lock_state(
            pool=view.pool,
            identifiers=[i.value for i in view.pool_user.identifiers.all()],
        )
    }


def authenticators_context(view, forms) -> dict:
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


def password_context(view, forms) -> dict:
    return {
        "password_form": forms.get("password_form") or SetPasswordForm(pool=view.pool)
    }


def register() -> None:
    """Put the sections on the user page (sessions, oidc's, come between the
    authenticators and the password form: order 30)."""
    register_section(
        "invitation",
        template=TEMPLATES + "_user_invitation.html",
        context=invitation_context,
        place="facts",
        order=10,
    )
    register_section(
        "sign_in",
        template=TEMPLATES + "_user_sign_in.html",
        context=sign_in_context,
        order=10,
    )
    register_section(
        "authenticators",
        template=TEMPLATES + "_user_authenticators.html",
        context=authenticators_context,
        order=20,
    )
    register_section(
        "password",
        template=TEMPLATES + "_user_password.html",
        context=password_context,
        order=40,
    )
