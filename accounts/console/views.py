"""The console user page's actions on a pool user's sign-in: set or reset the
password, the sign-in buttons (unlock, send a reset, require a new password,
sign out everywhere, remove an authenticator app or a passkey). Tenancy through the user page's mixin (``identity_pools
.user_page``): the workspace, then the pool, then the user, 404 for foreign."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from identity_pools.user_page import UserPageActionView, UserPageFormView

from . import services
from .forms import SetPasswordForm


class PoolUserPasswordView(UserPageFormView):
    """Set or reset the user's password (the pool's policy)."""

    form_class = SetPasswordForm
    page_form_name = "password_form"
    service_fields = {"password": "password1"}

    form_kwargs_from_view = ("pool",)

    def perform(self, form):
        return services.pool_user_set_password(
            user=self.pool_user,
            actor=self.request.user,
            password=form.cleaned_data["password1"],
            must_change=form.cleaned_data["must_change"],
        )

    def done(self, user):
        return self.user_page(_("Password set."))


class PoolUserSignInActionView(UserPageActionView):
    """Operator actions on the user's sign-in: ``action`` is "unlock",
    "send_password_reset", "require_password_change", "sign_out_everywhere",
    "remove_totp" or "remove_passkey" (``<passkey>`` in the URL)."""

    action = ""

    def post(self, request, *args, **kwargs):
        user, actor = self.pool_user, request.user
        try:
            if self.action == "unlock":
                services.pool_user_unlock(user=user, actor=actor)
                text = _("Sign-in blocks lifted.")
            elif self.action == "send_password_reset":
                services.pool_user_send_password_reset(user=user, actor=actor)
                text = _("A password reset code was sent.")
            elif self.action == "require_password_change":
                services.pool_user_require_password_change(user=user, actor=actor)
                text = _("The user must choose a new password at the next sign-in.")
            elif self.action in ("remove_totp", "remove_passkey"):
                if not services.pool_user_remove_authenticator(
                    user=user,
                    actor=actor,
                    kind=self.action.removeprefix("remove_"),
                    pk=kwargs.get("passkey"),
                ):
                    raise Http404("No such authenticator.")
                text = _("The authenticator is removed.")
            else:
                services.pool_user_sign_out_everywhere(user=user, actor=actor)
                text = _("The user is signed out everywhere.")
        except ValidationError as exc:
            return self.user_page(" ".join(exc.messages), error=True)
        return self.user_page(text)
