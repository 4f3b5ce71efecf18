"""The pool's sign-in rules (``SignInPolicy``), or their defaults."""

from __future__ import annotations

from .models import SignInPolicy


def sign_in_policy_for(pool) -> SignInPolicy:
    try:
        return pool.sign_in_policy
    except SignInPolicy.DoesNotExist:
        return SignInPolicy(pool=pool)
