"""Passwords: the mechanism (``services``: setting, checking, the pool's
policy), the account page's password change (``views``) and its URL
(``urls``)."""
