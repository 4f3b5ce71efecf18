"""Which authenticators a pool user has, as SQL expressions: read with the
user (or beside them) in the query that loads them, never one query each."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from identity_pools.models import Identifier

from ..models import Passkey, RecoveryCode, TotpDevice

# Every name ``authenticator_flags`` knows.
AUTHENTICATORS = ("totp", "passkey", "email_code", "sms_code", "recovery")


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
