"""Operators' side of accounts: console sign-in with the TOTP second factor,
sign-out, password change, two-factor settings, the Django admin's site, and the
operator services that management commands call too."""
