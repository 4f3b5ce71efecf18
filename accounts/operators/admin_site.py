"""The Django admin site for installation operators, behind django-otp."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite


class OperatorAdminSite(OTPAdminSite):
    """django-otp's admin site, with sign-in through the console.

    An operator with a second factor must have verified it in this session (as
    OTPAdminSite requires); one without a device is let in after the password alone,
    like the console. Sign-in happens on the console's page, which asks for the code.
    """

    site_header = "Identity Pools administration"
    site_title = "Identity Pools admin"
    index_title = "Installation"

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_verified() or not user_has_device(user, confirmed=True)

    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
