"""The sign-in as a pipeline (accounts/flows/pipeline.py): its stages in one
list and the one that comes next for a sign-in's state; the flows return a
stage, never a page, and the hosted pages have a page for each stage
(hosted/steps.py); the sign-in's session keys have one owner
(flows/sign_in_state.py); and each flow refuses a method the pool's sign-in
policy has off, whichever page (or none) calls it."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp

from accounts.authenticators.passkeys.services import (
    passkey_register,
    passkey_registration_options,
)
from accounts.authenticators.passwords.services import password_set
from accounts.authenticators.recovery.services import recovery_codes_generate
from accounts.authenticators.totp.services import totp_confirm, totp_new_key
from accounts.flows import sign_in_state
from accounts.flows.mfa import (
    sign_in_after_first,
    sign_in_finish,
    sign_in_second,
    sign_in_second_passkey,
    sign_in_second_passkey_options,
    sign_in_second_send,
    step_up_start,
)
from accounts.flows.pipeline import (
    ENROLLED,
    ENROLMENT,
    FIRST_FACTOR,
    IDENTIFIER,
    MUST_CHANGE,
    RECENT_SIGN_IN,
    SECOND_FACTOR,
    SIGNED_IN,
    STAGES,
    SignInState,
    Stage,
    next_stage,
)
from accounts.flows.sign_in import (
    sign_in_app,
    sign_in_code,
    sign_in_code_send,
    sign_in_passkey,
    sign_in_passkey_options,
    sign_in_password,
)
from accounts.hosted.session import HostedSessionMiddleware
from accounts.hosted.steps import METHOD_PAGES, stage_page
from accounts.models import SignInLock
from core.models import AuditEvent
from identity_pools.models import Identifier, SignInPolicy
from tests.factories import PoolUserFactory
from tests.passkey_authenticator import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webauthn_localhost")]

ROOT = Path(__file__).resolve().parents[2]
GOOD = "a long enough passphrase for 2026"
IP = "127.0.0.1"
BROWSER = "the secret of the browser that asked"


@pytest.fixture
def ann(pool):
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    Identifier.objects.filter(user=user).update(is_verified=True)
    password_set(user=user, raw_password=GOOD)
    user.pool = pool
    return user


def policy(pool, **values) -> SignInPolicy:
    row, _ = SignInPolicy.objects.update_or_create(pool=pool, defaults=values)
    pool.sign_in_policy = row  # what this pool object reads from now on
    return row


def session():
    """A hosted session, of the store the middleware uses."""
    return HostedSessionMiddleware(None).store()


def refused(call, **kwargs) -> None:
    with pytest.raises(ValidationError) as exc:
        call(**kwargs)
    assert exc.value.code == "sign_in_method_unavailable"


def app_of(user) -> str:
    """``user`` sets up an authenticator app; returns its key."""
    key = totp_new_key()
    totp_confirm(user=user, key=key, code=f"{totp(bytes.fromhex(key), drift=-1):06d}")
    return key


def app_code(key: str) -> str:
    return f"{totp(bytes.fromhex(key)):06d}"


# --- the stages, in one list --------------------------------------------------------


def test_the_stages_are_one_list_in_order():
    assert [stage.name for stage in STAGES] == [
        "identifier",
        "first",
        "second",
        "enrol",
        "enrolled",
        "must_change",
        "recent_sign_in",
    ]
    assert all(isinstance(stage, Stage) for stage in [*STAGES, SIGNED_IN])
    assert SIGNED_IN not in STAGES  # the end, when no stage applies


def test_next_stage_before_and_at_the_first_factor(pool):
    assert next_stage(SignInState(pool=pool)) is IDENTIFIER
    typed = SignInState(pool=pool, identifier="ann@example.com")
    assert next_stage(typed) is FIRST_FACTOR


def test_next_stage_after_the_first_factor(pool, ann):
    def after(**values):
        return next_stage(SignInState(pool=pool, user=ann, first="password", **values))

    assert after() is SIGNED_IN  # no second factor asked (the default pool)
    assert after(must_change=True) is MUST_CHANGE
    policy(pool, second_factor="required")
    assert after() is ENROLMENT  # required, and Ann has none
    assert after(must_change=True) is ENROLMENT  # the second factor comes first
    app_of(ann)
    assert after() is SECOND_FACTOR
    assert after(remembered=True) is SIGNED_IN  # "remember this device"
    assert after(enrolled="totp") is ENROLLED
    assert after(factors_passed=True, must_change=True) is MUST_CHANGE
    passkey = SignInState(pool=pool, user=ann, first="passkey")
    assert next_stage(passkey) is SIGNED_IN  # two factors in one


def test_next_stage_of_a_step_up(pool, ann):
    policy(pool, second_factor="optional")

    def step_up(**values):
        return next_stage(
            SignInState(pool=pool, user=ann, first="password", step_up=True, **values)
        )

    assert step_up() is ENROLMENT  # nothing to ask for, something to set up
    assert step_up(step_up_enrol=False) is SIGNED_IN
    app_of(ann)
    assert step_up() is SECOND_FACTOR


def test_next_stage_of_a_signed_in_browser(pool, ann):
    def signed_in(recent):
        return next_stage(
            SignInState(pool=pool, user=ann, signed_in=True, recent=recent)
        )

    assert signed_in(recent=True) is SIGNED_IN
    assert signed_in(recent=False) is RECENT_SIGN_IN


def test_the_flows_return_stages(pool, ann):
    store = session()
    sign_in_state.sign_in_begin(store, pool=pool, identifier="ann@example.com")
    policy(pool, second_factor="required")
    stage = sign_in_after_first(
        store, pool=pool, user=ann, method="password", must_change=False
    )
    assert stage is ENROLMENT
    waiting = sign_in_state.attempt_of(store, pool=pool, stages=(ENROLMENT,))
    assert waiting["identifier"] == "ann@example.com"
    assert waiting["stage"] == "enrol" and waiting["user"] == str(ann.pk)
    assert sign_in_state.attempt_of(store, pool=pool, stages=(SECOND_FACTOR,)) is None
    finished = sign_in_finish(
        store, pool=pool, user=ann, method="password+totp", must_change=True
    )
    assert finished is MUST_CHANGE
    assert sign_in_state.change_pending(store, pool=pool)["user"] == str(ann.pk)
    assert sign_in_state.attempt_of(store, pool=pool) is None
    app_of(ann)
    store = session()
    assert step_up_start(store, pool=pool, user=ann, first="password") is (
        SECOND_FACTOR
    )


def test_every_stage_has_a_page():
    for stage in [*STAGES, SIGNED_IN]:
        if stage is FIRST_FACTOR:
            pages = [stage_page(stage, method=m) for m in METHOD_PAGES]
        else:
            pages = [stage_page(stage)]
        for page in pages:
            reverse(
                f"hosted:{page}", args=["w", "00000000-0000-0000-0000-000000000000"]
            )
    assert stage_page(SECOND_FACTOR) == "sign_in_second"
    assert stage_page(FIRST_FACTOR, method="sms_code") == "sign_in_code"
    assert stage_page(SIGNED_IN) == "account"


def _sources(*packages):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_flows_never_name_a_page():
    """No flow module names a hosted page (or a URL): the flows return stages;
    the pages map them (``hosted.steps.stage_page``)."""
    pages = set(METHOD_PAGES.values()) | {
        stage_page(s) for s in [*STAGES, SIGNED_IN] if s is not FIRST_FACTOR
    }
    pages.discard("sign_in")  # also the attempt's session key, spelled once
    named = []
    flows = ("sign_in.py", "mfa.py", "pipeline.py", "sign_in_state.py", "pending.py")
    for path in [ROOT / "accounts" / "flows" / name for name in flows]:
        tree = ast.parse(path.read_text())
        # A message's template (templates/emails/sign_in_code_*) is not a page.
        templates = {
            id(k.value)
            for k in ast.walk(tree)
            if isinstance(k, ast.keyword) and k.arg == "template"
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and node.value in pages
                and id(node) not in templates
            ):
                named.append(f"{path.name}:{node.lineno} {node.value}")
            if isinstance(node, ast.Name | ast.Attribute) and (
                getattr(node, "id", None) or getattr(node, "attr", None)
            ) in ("reverse", "redirect", "page_url"):
                named.append(f"{path.name}:{node.lineno} a URL")
    assert named == []


# --- one owner of the session keys --------------------------------------------------


def _session_keys_spelled(path: Path) -> list[str]:
    """Where ``path`` spells a sign-in session key: a key's constant imported,
    or the key's string read, written or popped (``x[...]``, ``x.get(...)``,
    ``x.pop(...)``, ``x.setdefault(...)``), or assigned to a ``*_KEY``."""
    keys = set(sign_in_state.KEYS)
    found = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").endswith("sign_in_state")
            and any(alias.name.endswith("_KEY") for alias in node.names)
        ):
            found.append(f"{where} imports a key")
        used = None
        if isinstance(node, ast.Subscript):
            used = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and node.args
        ):
            used = node.args[0]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.endswith("_KEY") for t in node.targets
        ):
            used = node.value
        if isinstance(used, ast.Constant) and used.value in keys:
            found.append(f"{where} {used.value!r}")
    return found


def test_the_sign_in_session_keys_have_one_owner():
    owner = ROOT / "accounts" / "flows" / "sign_in_state.py"
    spelled = [
        place
        for path in _sources("accounts", "oidc")
        if path != owner
        for place in _session_keys_spelled(path)
    ]
    assert spelled == []
    assert len(_session_keys_spelled(owner)) >= len(sign_in_state.KEYS)


def test_the_key_check_finds_a_key_spelled_elsewhere(tmp_path):
    stray = tmp_path / "stray.py"
    stray.write_text(
        "from accounts.flows.sign_in_state import SIGNED_IN_KEY\n"
        "def f(request):\n"
        "    request.hosted_session['sign_in']['stage'] = 'second'\n"
        "    return request.hosted_session.get('pool_user')\n"
        "CONFIRM_KEY = 'confirm_next'\n"
    )
    assert len(_session_keys_spelled(stray)) == 4


# --- a method the pool has off is refused by the flow -----------------------------


def test_the_password_is_refused_when_passwords_are_off(pool, ann):
    policy(pool, password_enabled=False, email_code_enabled=True)
    refused(
        sign_in_password,
        pool=pool,
        identifier="ann@example.com",
        password=GOOD,
        ip=IP,
    )
    # Refused before any work: nothing counted against the identifier.
    assert not SignInLock.objects.exists()
    assert not AuditEvent.objects.filter(
        action__startswith="pool_user.sign_in"
    ).exists()
    policy(pool, password_enabled=True)
    assert (
        sign_in_password(
            pool=pool, identifier="ann@example.com", password=GOOD, ip=IP
        ).user
        == ann
    )


@pytest.fixture
def sent_code(pool, ann, django_capture_on_commit_callbacks):
    """A sign-in code sent to Ann's address for the attempt "a" * 32."""
    policy(pool, email_code_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_code_send(
            pool=pool, identifier="ann@example.com", attempt="a" * 32, ip=IP
        )
    return re.search(r"\b(\d{6,10})\b", mail.outbox[-1].body).group(1)


def test_a_sign_in_code_is_not_sent_when_codes_are_off(
    pool, ann, django_capture_on_commit_callbacks
):
    policy(pool, email_code_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        refused(
            sign_in_code_send,
            pool=pool,
            identifier="ann@example.com",
            attempt="a" * 32,
            ip=IP,
        )
    assert mail.outbox == []


def test_a_sign_in_code_is_refused_when_codes_are_off(pool, ann, sent_code):
    check = {"pool": pool, "identifier": "ann@example.com", "attempt": "a" * 32}
    policy(pool, email_code_enabled=False)
    refused(sign_in_code, code=sent_code, method="email_code", ip=IP, **check)
    # An SMS code does not fit an email address, whatever the pool says.
    policy(pool, email_code_enabled=True, sms_code_enabled=True)
    refused(sign_in_code, code=sent_code, method="sms_code", ip=IP, **check)
    assert sign_in_code(code=sent_code, method="email_code", ip=IP, **check).user == ann


def test_the_app_is_refused_as_a_first_factor_when_off(pool, ann):
    key = app_of(ann)
    policy(pool, totp_enabled=False)
    refused(
        sign_in_app,
        pool=pool,
        identifier="ann@example.com",
        code=app_code(key),
        ip=IP,
    )
    policy(pool, totp_enabled=True)
    assert (
        sign_in_app(
            pool=pool, identifier="ann@example.com", code=app_code(key), ip=IP
        ).user
        == ann
    )


def test_no_passkey_ceremony_starts_when_passkeys_are_off(pool):
    policy(pool, passkey_enabled=False)
    refused(sign_in_passkey_options, pool=pool, ip=IP, browser=BROWSER)
    policy(pool, passkey_enabled=True)
    _challenge, options = sign_in_passkey_options(pool=pool, ip=IP, browser=BROWSER)
    assert json.loads(options)["userVerification"] == "required"


@pytest.mark.parametrize("identifier", [None, "ann@example.com"])
def test_a_passkey_is_refused_when_passkeys_are_off(pool, ann, identifier):
    device = enrolled_passkey(ann)
    policy(pool, passkey_enabled=True)
    challenge, options = sign_in_passkey_options(pool=pool, ip=IP, browser=BROWSER)
    policy(pool, passkey_enabled=False)
    answer = {
        "pool": pool,
        "challenge_id": challenge,
        "response": device.sign_in(options),
        "ip": IP,
        "browser": BROWSER,
        "identifier": identifier,
    }
    refused(sign_in_passkey, **answer)
    policy(pool, passkey_enabled=True)
    assert sign_in_passkey(**answer).user == ann


def enrolled_passkey(user) -> SoftAuthenticator:
    device = SoftAuthenticator()
    challenge, options = passkey_registration_options(browser=BROWSER, user=user)
    passkey_register(
        browser=BROWSER,
        user=user,
        challenge_id=challenge,
        response=device.register(options),
    )
    return device


SECOND = {"identifier": "ann@example.com", "attempt": "a" * 32}


def test_the_app_is_refused_as_a_second_factor_when_off(pool, ann):
    key = app_of(ann)
    policy(pool, second_factor="required", mfa_totp=False, mfa_passkey=True)
    check = {"pool": pool, "user": ann, "state": SECOND, "ip": IP}
    # Refused even when a page offers it.
    refused(
        sign_in_second, method="totp", code=app_code(key), options=["totp"], **check
    )
    assert not SignInLock.objects.exists()
    policy(pool, second_factor="required", mfa_totp=True)
    sign_in_second(method="totp", code=app_code(key), options=["totp"], **check)


def test_a_recovery_code_is_refused_when_second_factors_are_off(pool, ann):
    app_of(ann)
    codes = recovery_codes_generate(user=ann)
    check = {"pool": pool, "user": ann, "state": SECOND, "ip": IP}
    policy(pool, second_factor="off")
    refused(
        sign_in_second, method="recovery", code=codes[0], options=["recovery"], **check
    )
    policy(pool, second_factor="required")
    sign_in_second(method="recovery", code=codes[0], options=["recovery"], **check)


def test_no_second_factor_code_is_sent_when_off(
    pool, ann, django_capture_on_commit_callbacks
):
    send = {"pool": pool, "user": ann, "method": "email_code", "ip": IP}
    policy(pool, second_factor="required", mfa_email_code=False)
    with django_capture_on_commit_callbacks(execute=True):
        refused(sign_in_second_send, attempt="a" * 32, **send)
    assert mail.outbox == []
    policy(pool, second_factor="required", mfa_email_code=True)
    with django_capture_on_commit_callbacks(execute=True):
        masked = sign_in_second_send(attempt="a" * 32, **send)
    assert masked == "a***@example.com" and len(mail.outbox) == 1


def test_no_second_factor_passkey_ceremony_when_off(pool, ann):
    enrolled_passkey(ann)
    policy(pool, second_factor="required", mfa_passkey=False)
    asked = {"pool": pool, "user": ann, "ip": IP, "browser": BROWSER}
    refused(sign_in_second_passkey_options, **asked)
    policy(pool, second_factor="required", mfa_passkey=True)
    sign_in_second_passkey_options(**asked)


def test_a_second_factor_passkey_is_refused_when_off(pool, ann):
    device = enrolled_passkey(ann)
    policy(pool, second_factor="required", mfa_passkey=True)
    challenge, options = sign_in_second_passkey_options(
        pool=pool, user=ann, ip=IP, browser=BROWSER
    )
    answer = {
        "pool": pool,
        "user": ann,
        "challenge_id": challenge,
        "response": device.sign_in(options),
        "ip": IP,
        "browser": BROWSER,
    }
    policy(pool, second_factor="required", mfa_passkey=False)
    refused(sign_in_second_passkey, **answer)
    policy(pool, second_factor="required", mfa_passkey=True)
    assert sign_in_second_passkey(**answer).user == ann
