"""Operators: sign-in checks, second factor and password changes. Each change writes
an audit event in its transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import ratelimit
from core.addresses import email_normalise
from core.audit import audit_record, audit_row
from core.catalogue import field_error, message, wait_words
from core.fastpath.prepared import Prepared
from core.fastpath.writes import Writes
from core.models import RateLimitBucket
from workspaces.services import invitation_accept, invitation_lock

from ..authenticators.throttle import wrong_codes_wait

BACKEND = "django.contrib.auth.backends.ModelBackend"
# The sign-in's reads, compiled once per process (``Prepared``).
_OPEN_WINDOWS = Prepared(
    lambda account, address, now: RateLimitBucket.objects.filter(
        key__in=[account, address], window_ends_at__gt=now
    )
)
_CONFIRMED_TOTP = Prepared(
    lambda user: TOTPDevice.objects.filter(user=user, confirmed=True)
)


@dataclass(frozen=True)
class SignInLimits:
    account: ratelimit.Limit
    address: ratelimit.Limit

    @classmethod
    def for_attempt(cls, *, email: str, ip: str | None) -> SignInLimits:
        acc_max, acc_window = settings.SIGNIN_RATE_LIMITS["account"]
        addr_max, addr_window = settings.SIGNIN_RATE_LIMITS["address"]
        return cls(
            account=ratelimit.Limit(
                f"signin:account:{email.lower()}", acc_max, acc_window
            ),
            address=ratelimit.Limit(
                f"signin:address:{ip or '-'}", addr_max, addr_window
            ),
        )

    def limited(self) -> int:
        """Seconds to wait when either limit is reached, else 0 (both windows
        read in one query)."""
        now = timezone.now()
        account, address = (
            ratelimit.bucket_key(limit.key) for limit in (self.account, self.address)
        )
        keys = {account: self.account, address: self.address}
        windows = _OPEN_WINDOWS.all(
            "sign_in", account=account, address=address, now=now
        )
        waits = [
            max(0, int((window.window_ends_at - now).total_seconds()))
            for window in windows
            if window.count >= keys[window.key].max_events
        ]
        return max(waits, default=0)

    def fail(self) -> None:
        ratelimit.hit(self.account)
        ratelimit.hit(self.address)


def _wait_error(seconds: int) -> ValidationError:
    return ValidationError(
        message("rate_limited", wait=wait_words(seconds)), code="rate_limited"
    )


def operator_sign_in_check(*, request, email: str, password: str, ip: str | None):
    """The operator for ``email``/``password``, or ValidationError.

    Unknown email, wrong password and inactive account all give the same error (and
    the same password-hashing work, through Django's ModelBackend). Failures count
    against the account and the client address; at the limit, no password is checked.
    """
    limits = SignInLimits.for_attempt(email=email, ip=ip)
    wait = limits.limited()
    if wait:
        raise _wait_error(wait)
    operator = authenticate(request, email=email, password=password)
    if operator is None:
        limits.fail()
        with transaction.atomic():
            audit_record(
                actor=None,
                actor_label=email[:254],
                action="operator.sign_in_failed",
                details={"reason": "bad_credentials"},
            )
        raise ValidationError(message("bad_credentials"), code="bad_credentials")
    return operator


def operator_password_confirm(*, operator, password: str, ip: str | None, where: str):
    """Check the signed-in operator's current password (before changing the
    password or turning off the second factor).

    A wrong password counts as a failed sign-in of the account and the client
    address, so guessing inside a stolen session is as limited as at the sign-in
    page; at the limit no password is checked. Raises ValidationError with code
    ``password_incorrect`` or ``rate_limited``.
    """
    limits = SignInLimits.for_attempt(email=operator.email, ip=ip)
    wait = limits.limited()
    if wait:
        raise _wait_error(wait)
    if operator.check_password(password):
        return
    limits.fail()
    with transaction.atomic():
        audit_record(
            actor=operator,
            action="operator.password_confirm_failed",
            target=operator,
            details={"where": where},
        )
    raise ValidationError(message("password_incorrect"), code="password_incorrect")


def operator_has_totp(operator) -> bool:
    return _CONFIRMED_TOTP.first("any", user=operator.pk) is not None


def operator_verify_totp(*, operator, code: str, ip: str | None) -> TOTPDevice:
    """Check a TOTP code for the operator's confirmed device, under the same rate
    limits as passwords. django-otp locks the device row and rejects a replayed
    code; after wrong codes the next waits (``authenticators.throttle``: three
    free, then 1, 2, 4 … seconds), said as ``totp_throttled``."""
    limits = SignInLimits.for_attempt(email=operator.email, ip=ip)
    wait = limits.limited()
    if wait:
        raise _wait_error(wait)
    devices = list(TOTPDevice.objects.filter(user=operator, confirmed=True))
    slow = max(
        (
            wrong_codes_wait(
                failures=d.throttling_failure_count,
                last_failure=d.throttling_failure_timestamp,
            )
            for d in devices
        ),
        default=0,
    )
    if slow:
        raise ValidationError(
            message("totp_throttled", wait=wait_words(slow)), code="totp_throttled"
        )
    for device in devices:
        verified = verify_token(operator, device.persistent_id, code)
        if verified is not None:
            return verified
    limits.fail()
    with transaction.atomic():
        audit_record(
            actor=operator,
            action="operator.second_factor_failed",
            details={"factor": "totp"},
        )
    raise ValidationError(message("bad_code"), code="bad_code")


def totp_enrolment_start(*, operator) -> TOTPDevice:
    """A fresh unconfirmed TOTP device (replacing an earlier unconfirmed one)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=operator, confirmed=False).delete()
        return TOTPDevice.objects.create(
            user=operator, name="Authenticator app", confirmed=False
        )


def totp_enrolment_confirm(*, operator, device: TOTPDevice, code: str) -> TOTPDevice:
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=operator)
        if not device.verify_token(code):
            raise ValidationError(message("bad_code"), code="bad_code")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=operator,
            action="operator.totp_enabled",
            target=operator,
            details={"device": device.name},
        )
    return device


def totp_disable(*, operator) -> None:
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=operator).delete()
        if deleted:
            audit_record(
                actor=operator, action="operator.totp_disabled", target=operator
            )


def operator_signed_in(*, operator, factor: str) -> None:
    """The audit event of a completed sign-in (one statement, in the caller's
    transaction when there is one)."""
    writes = Writes()
    writes.insert(
        audit_row(
            actor=operator,
            action="operator.signed_in",
            target=operator,
            details={"factors": factor},
        )
    )
    writes.run()


def last_login_record(sender, user, **kwargs) -> None:
    """Django's ``update_last_login`` (the ``user_logged_in`` receiver), as one
    UPDATE written once instead of a ``save(update_fields=…)`` the ORM builds
    on each sign-in (``AccountsConfig.ready`` puts it in Django's place)."""
    user.last_login = timezone.now()
    writes = Writes()
    writes.update(type(user), where={"pk": user.pk}, last_login=user.last_login)
    writes.run()


def operator_session_start(*, request, operator, factor: str, device=None) -> None:
    """Sign ``operator`` in on this browser: Django's ``login`` (a new session
    key, the last sign-in time, ``user_logged_in``), django-otp's verified
    ``device`` when given, and the audit event, in one transaction (one
    commit: the session row, the time and the event land together or not)."""
    with transaction.atomic():
        login(request, operator, backend=BACKEND)
        if device is not None:
            otp_login(request, device)
        operator_signed_in(operator=operator, factor=factor)


def operator_change_password(*, operator, new_password: str) -> None:
    with transaction.atomic():
        operator.set_password(new_password)
        operator.save(update_fields=["password"])
        audit_record(
            actor=operator, action="operator.password_changed", target=operator
        )


def operator_create(
    *, email: str, password: str, actor, superuser: bool = False, workspace=None
):
    """Create an operator account with ``password`` (checked by the operator
    password validators). ``actor`` is who creates it: the new operator itself
    (accepting an invitation, given as None) or a ``SystemActor``; ``workspace``
    only places the audit event.

    Raises ValidationError on "email" (not an address, ``operator_exists``) or on
    "password" (the validators' codes); nothing is written then.
    """
    Operator = get_user_model()
    try:
        email = email_normalise(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.error_list}) from exc
    if Operator.objects.filter(email__iexact=email).exists():
        raise field_error("email", "operator_exists")
    try:
        validate_password(password, Operator(email=email))
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    create = (
        Operator.objects.create_superuser if superuser else Operator.objects.create_user
    )
    try:
        with transaction.atomic():
            operator = create(email=email, password=password)
            audit_record(
                actor=actor or operator,
                action="operator.created",
                workspace=workspace,
                target=operator,
                details={"email": email, "superuser": superuser},
            )
    except IntegrityError as exc:  # created at the same moment by someone else
        raise field_error("email", "operator_exists") from exc
    return operator


def operator_create_invited(*, token: str, password: str):
    """Someone without an operator account accepts the workspace invitation
    ``token`` on its page: the operator is created for the invited address with
    ``password`` and joins with the invitation's role (``workspaces.services
    .invitation_accept``), in one transaction. Returns the Membership.

    Raises ValidationError: ``invitation_invalid``; ``sign_in_first`` when an
    operator has the address (they sign in and accept); the password's errors
    on "password" (``operator_create``); nothing is written then."""
    Operator = get_user_model()
    with transaction.atomic():
        invitation = invitation_lock(token=token)
        if Operator.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                message("invitation_wrong_operator"), code="sign_in_first"
            )
        operator = operator_create(
            email=invitation.email,
            password=password,
            actor=None,
            workspace=invitation.workspace,
        )
        return invitation_accept(token=token, operator=operator)


def operator_grant_superuser(*, operator, actor) -> bool:
    """Make ``operator`` a superuser (and staff). Returns False when it was one."""
    if operator.is_superuser:
        return False
    with transaction.atomic():
        operator.is_superuser = operator.is_staff = True
        operator.save(update_fields=["is_superuser", "is_staff"])
        audit_record(actor=actor, action="operator.superuser_granted", target=operator)
    return True
