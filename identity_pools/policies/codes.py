"""The pool's rules for one-time codes, per purpose (Settings → Verification
codes): what ``accounts.authenticators.codes`` issues and checks codes with.
``CodeRules`` is their shape, ``DEFAULT_RULES`` the rules of a purpose the pool
has not set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .models import CodePolicy, CodePurpose


@dataclass(frozen=True)
class CodeRules:
    length: int  # digits of a numeric code (link tokens ignore it)
    lifetime: timedelta
    max_attempts: int
    resend_after: timedelta


DEFAULT_RULES = {
    CodePurpose.INVITATION: CodeRules(0, timedelta(days=7), 5, timedelta(seconds=60)),
    CodePurpose.VERIFY_IDENTIFIER: CodeRules(
        6, timedelta(minutes=10), 5, timedelta(seconds=60)
    ),
    CodePurpose.PASSWORD_RESET: CodeRules(
        6, timedelta(minutes=10), 5, timedelta(seconds=60)
    ),
    CodePurpose.SIGN_IN: CodeRules(6, timedelta(minutes=5), 5, timedelta(seconds=60)),
    CodePurpose.PASSKEY_ENROLMENT: CodeRules(
        6, timedelta(minutes=10), 5, timedelta(seconds=60)
    ),
}


def code_rules_for(pool, purpose: str) -> CodeRules:
    """The pool's rules for ``purpose``, or the defaults."""
    cached = getattr(pool, "_code_rules", None)
    if cached is None:
        cached = pool._code_rules = {
            policy.purpose: policy for policy in pool.code_policies.all()
        }
    policy = cached.get(purpose)
    if policy is None:
        return DEFAULT_RULES[purpose]
    return CodeRules(
        length=policy.length,
        lifetime=timedelta(seconds=policy.lifetime_seconds),
        max_attempts=policy.max_attempts,
        resend_after=timedelta(seconds=policy.resend_seconds),
    )


def code_policies_for(pool) -> list[CodePolicy]:
    """One (possibly unsaved) policy per purpose, for the settings screen."""
    stored = {p.purpose: p for p in pool.code_policies.all()}
    policies = []
    for purpose in CodePurpose.values:
        if purpose in stored:
            policies.append(stored[purpose])
            continue
        rules = DEFAULT_RULES[purpose]
        policies.append(
            CodePolicy(
                pool=pool,
                purpose=purpose,
                length=max(rules.length, 6),
                lifetime_seconds=int(rules.lifetime.total_seconds()),
                max_attempts=rules.max_attempts,
                resend_seconds=int(rules.resend_after.total_seconds()),
            )
        )
    return policies
