"""Authenticator apps (TOTP): the mechanism (``services``), the account page's
set-up and removal (``views``) and their URLs (``urls``)."""
