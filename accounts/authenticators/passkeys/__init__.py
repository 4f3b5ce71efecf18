"""Passkeys (WebAuthn): the mechanism (``services``), the account's passkey
page and its registration endpoints (``views``) and their URLs (``urls``)."""
