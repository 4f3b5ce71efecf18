"""Which authenticators a pool user has: as SQL expressions, read with the
user (or beside them) in the query that loads them, never one query each; and
which of them can serve as a second factor now."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from identity_pools.models import Identifier, PoolUser, SecondFactor
from identity_pools.policies.sign_in import sign_in_policy_for

from ..models import Passkey, RecoveryCode, TotpDevice

# Every name ``authenticator_flags`` knows.
AUTHENTICATORS = ("totp", "passkey", "email_code", "sms_code", "recovery")
# The methods a user sets up (as opposed to codes sent to their addresses).
ENROLLED = ("totp", "passkey")


def authenticator_flags(user_ref: str, wanted) -> dict[str, Exists]:
    """``{"has_<name>": Exists(...)}`` for each of ``wanted`` (totp, passkey,
    email_code, sms_code, recovery): an app, a passkey, a verified email
    address or mobile number, unused recovery codes of the user whose id is
    the outer query's ``user_ref`` column."""
    user = OuterRef(user_ref)
    verified = Identifier.objects.filter(user=user, is_verified=True)
    checks = {
        "totp": lambda: TotpDevice.objects.filter(user=user),
        "passkey": lambda: Passkey.objects.filter(user=user),
        "email_code": lambda: verified.filter(type=Identifier.Type.EMAIL),
        "sms_code": lambda: verified.filter(type=Identifier.Type.PHONE),
        "recovery": lambda: RecoveryCode.objects.filter(
            user=user, used_at__isnull=True
        ),
    }
    return {f"has_{name}": Exists(checks[name]()) for name in wanted}


def authenticator_flags_sql(user_column: str, wanted, quote) -> tuple[list[str], list]:
    """``authenticator_flags`` as SQL: one ``EXISTS (...)`` per name of
    ``wanted`` about the user whose id is ``user_column`` (quoted already), and
    their parameters. For hand-written queries on the sign-in path (an ORM
    ``Exists`` costs about 0.3 ms of Python each); a test holds both to the
    same answers."""
    t = {
        model: quote(model._meta.db_table)
        for model in (TotpDevice, Passkey, Identifier, RecoveryCode)
    }
    # Table and column names only; values are parameters.
    exists = "EXISTS (SELECT 1 FROM {} WHERE {}.user_id = " + user_column + "{})"  # noqa: S608
    verified = " AND {0}.is_verified = %s AND {0}.{1} = %s".format(
        t[Identifier], quote("type")
    )
    sql = {
        "totp": (exists.format(t[TotpDevice], t[TotpDevice], ""), []),
        "passkey": (exists.format(t[Passkey], t[Passkey], ""), []),
        "email_code": (
            exists.format(t[Identifier], t[Identifier], verified),
            [True, Identifier.Type.EMAIL.value],
        ),
        "sms_code": (
            exists.format(t[Identifier], t[Identifier], verified),
            [True, Identifier.Type.PHONE.value],
        ),
        "recovery": (
            exists.format(
                t[RecoveryCode],
                t[RecoveryCode],
                f" AND {t[RecoveryCode]}.used_at IS NULL",
            ),
            [],
        ),
    }
    return [sql[name][0] for name in wanted], [p for n in wanted for p in sql[n][1]]


def authenticators_of(user, wanted) -> set[str]:
    """Which of ``wanted`` (totp, passkey, email_code, sms_code, recovery)
    ``user`` has (an app, a passkey, a verified email address or mobile number,
    unused recovery codes), in one query, or none when the sign-in's first
    query read them with the user (``flows.sign_in`` leaves them on
    ``user._authenticators_read``)."""
    read = getattr(user, "_authenticators_read", None)
    if read is not None and set(wanted) <= read[0]:
        return set(read[1] & set(wanted))
    flags = authenticator_flags("pk", wanted)
    if not flags:
        return set()
    row = PoolUser.objects.filter(pk=user.pk).values(**flags).first() or {}
    return {name.removeprefix("has_") for name, on in row.items() if on}


def second_factor_options(*, policy, user, first: str) -> list[str]:
    """The second factors ``user`` can use now, strongest first: the pool's
    second-factor methods the user has (an app, a passkey, a verified address
    for codes), never the method of the first factor; "recovery" when the user
    has recovery codes left and an app or a passkey."""
    allowed = [m for m in policy.second_factors() if m != first]
    if not allowed:
        return []
    have = authenticators_of(user, [*allowed, "recovery"])
    options = [m for m in allowed if m in have]
    if "recovery" in have and set(options) & set(ENROLLED):
        options.append("recovery")
    return options


def only_second_factor(user, method: str) -> bool:
    """Whether the pool requires a second factor and ``method`` ("totp" or
    "passkey") is the only one ``user`` has that counts, and they have one of
    it (recovery codes stand in for one, never replace it): removing it would
    lock the user out."""
    policy = sign_in_policy_for(user.pool)
    if policy.second_factor != SecondFactor.REQUIRED:
        return False
    options = set(second_factor_options(policy=policy, user=user, first=""))
    if method not in options or options - {method, "recovery"}:
        return False
    # A user has one app at most, but may have several passkeys.
    return method != "passkey" or Passkey.objects.filter(user=user).count() == 1
