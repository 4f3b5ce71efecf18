"""The hosted sign-in as a pipeline: its stages in order (``STAGES``), each
saying whether it applies to a sign-in's state (``SignInState``), and
``next_stage``, the first that applies (``SIGNED_IN`` when none does).

The flows (``flows.sign_in``, ``flows.mfa``) build the state at each turn of a
sign-in and return the stage it goes to; the sign-in under way keeps the
stage's ``name`` in the hosted session (``flows.sign_in_state``). A stage never
names a page: the hosted pages map a stage to its page in one place
(``hosted.steps.stage_page``).

The order matters: the second factor (or a forced enrolment) comes before a
password change, so a stolen password alone can change nothing. A passkey
with user verification is two factors in one (something you have, unlocked by
something you know or are) and never asks for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from identity_pools.models import SecondFactor
from identity_pools.policies.sign_in import sign_in_policy_for

from ..authenticators.passkeys.services import PASSKEY_METHODS
from ..authenticators.presence import ENROLLED as SET_UP_METHODS
from ..authenticators.presence import authenticators_of, second_factor_options


def enrolment_options(policy) -> list[str]:
    """What a user without a second factor may set up when the pool requires
    one (an app, a passkey)."""
    return [m for m in policy.second_factors() if m in SET_UP_METHODS]


def second_factor_step(*, policy, user, first: str, remembered: bool) -> str | None:
    """ "second" (ask for one), "enrol" (the pool requires one the user lacks), or
    None (signed in after the first factor)."""
    if (
        policy.second_factor == SecondFactor.OFF
        or first in PASSKEY_METHODS
        or remembered
    ):
        return None
    if policy.second_factor == SecondFactor.OPTIONAL:
        # Asked only when the user set up an app or a passkey the pool counts
        # (and not the first factor's): one small query decides.
        enrolled = [
            m for m in policy.second_factors() if m in SET_UP_METHODS and m != first
        ]
        return "second" if enrolled and authenticators_of(user, enrolled) else None
    options = second_factor_options(policy=policy, user=user, first=first)
    return "second" if options else "enrol"


def second_factor_enabled(policy, method: str) -> bool:
    """Whether the pool takes ``method`` as a second factor ("recovery": a
    recovery code, whenever it takes any)."""
    allowed = policy.second_factors()
    return method in allowed or (method == "recovery" and bool(allowed))


def step_up_step(*, policy, user, first: str, enrol: bool) -> str | None:
    """An application asks for two factors from a browser signed in with one
    (``first``): "second" when the user has a second factor the pool counts,
    else "enrol" (with ``enrol``) when the pool offers one to set up, else
    None."""
    if second_factor_options(policy=policy, user=user, first=first):
        return "second"
    if enrol and enrolment_options(policy):
        return "enrol"
    return None


@dataclass
class SignInState:
    """Where a sign-in stands: what was typed and passed so far. A step-up
    (``step_up``: an application asks for two factors) starts over at the
    second factor from a signed-in browser's first; ``signed_in`` with
    ``recent`` is a finished sign-in opening a page that needs a recent one."""

    pool: object
    user: object = None
    identifier: str = ""
    first: str = ""  # the first factor's method, once passed
    factors_passed: bool = False  # every factor the sign-in asks for
    enrolled: str = ""  # set up at a forced enrolment, not yet gone on
    must_change: bool = False
    remembered: bool = False  # this browser skips the second factor
    step_up: bool = False
    step_up_enrol: bool = True  # a step-up may force an enrolment
    signed_in: bool = False
    recent: bool = True

    @cached_property
    def policy(self):
        return sign_in_policy_for(self.pool)

    @cached_property
    def second_factor(self) -> str | None:
        """What the second factor asks: "second", "enrol" or None (decided
        once, and only once the first factor passed)."""
        if (
            self.signed_in
            or self.factors_passed
            or self.enrolled
            or self.user is None
            or not self.first
        ):
            return None
        if self.step_up:
            return step_up_step(
                policy=self.policy,
                user=self.user,
                first=self.first,
                enrol=self.step_up_enrol,
            )
        return second_factor_step(
            policy=self.policy,
            user=self.user,
            first=self.first,
            remembered=self.remembered,
        )


class Stage:
    """A step of the sign-in. ``name`` is what the hosted session keeps."""

    name: ClassVar[str]

    def applies(self, state: SignInState) -> bool:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<stage {self.name}>"


class IdentifierStage(Stage):
    """The email address or mobile number (or a passkey, usernameless)."""

    name = "identifier"

    def applies(self, state):
        return not state.signed_in and state.user is None and not state.identifier


class FirstFactorStage(Stage):
    """A password, a sign-in code, an authenticator app's code or a passkey:
    one of the pool's sign-in methods that fits the identifier."""

    name = "first"

    def applies(self, state):
        return not state.signed_in and not state.first


class SecondFactorStage(Stage):
    """The pool asks for a second factor and the user has one (or an
    application asks for two factors)."""

    name = "second"

    def applies(self, state):
        return state.second_factor == "second"


class EnrolmentStage(Stage):
    """The pool requires a second factor the user lacks: one is set up first."""

    name = "enrol"

    def applies(self, state):
        return state.second_factor == "enrol"


class EnrolledStage(Stage):
    """The second factor set up at the enrolment (and recovery codes, shown
    once) until the user goes on."""

    name = "enrolled"

    def applies(self, state):
        return not state.signed_in and bool(state.enrolled)


class MustChangeStage(Stage):
    """Every factor passed, and the password must change (the operator asked,
    it expired, or it is known to be compromised) before the sign-in
    completes."""

    name = "must_change"

    def applies(self, state):
        return not state.signed_in and state.must_change


class RecentSignInStage(Stage):
    """A signed-in browser opens a page that adds a way in to the account: the
    sign-in, or a password confirmed, must be recent ("Confirm it's you")."""

    name = "recent_sign_in"

    def applies(self, state):
        return state.signed_in and not state.recent


class SignedInStage(Stage):
    """The end: signed in (the account page, or the application waiting)."""

    name = "signed_in"

    def applies(self, state):
        return True


IDENTIFIER = IdentifierStage()
FIRST_FACTOR = FirstFactorStage()
SECOND_FACTOR = SecondFactorStage()
ENROLMENT = EnrolmentStage()
ENROLLED = EnrolledStage()
MUST_CHANGE = MustChangeStage()
RECENT_SIGN_IN = RecentSignInStage()
SIGNED_IN = SignedInStage()

STAGES = [
    IDENTIFIER,
    FIRST_FACTOR,
    SECOND_FACTOR,
    ENROLMENT,
    ENROLLED,
    MUST_CHANGE,
    RECENT_SIGN_IN,
]


def next_stage(state: SignInState) -> Stage:
    """The first stage of ``STAGES`` that applies to ``state``; ``SIGNED_IN``
    when none does."""
    return next((stage for stage in STAGES if stage.applies(state)), SIGNED_IN)


def signed_in_stage(*, pool, user, recent: bool) -> Stage:
    """A signed-in browser opens a page that adds a way in to the account:
    ``RECENT_SIGN_IN`` unless it signed in (or confirmed the password)
    ``recent``-ly, else ``SIGNED_IN``."""
    return next_stage(SignInState(pool=pool, user=user, signed_in=True, recent=recent))
