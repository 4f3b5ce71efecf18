from __future__ import annotations

from django.contrib.auth import logout
from django_otp import user_has_device


class SecondFactorRequiredMiddleware:
    """A session that signed in with the password alone is ended once the operator has
    an authenticator app (enrolled from another session): such an operator must sign
    in with both factors. Place after django_otp's OTPMiddleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/w/"):
            # End users' pages and the OpenID provider: the console's session
            # is not theirs (and not loading it keeps public JSON cacheable).
            return self.get_response(request)
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and user_has_device(user, confirmed=True)
        ):
            logout(request)
        return self.get_response(request)
