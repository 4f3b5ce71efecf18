"""Audit events as sentences a person reads.

``describe(event, names)`` turns one ``AuditEvent`` into a ``Line``: a sentence
("demo@example.com deactivated Ann Lee (ann@example.com) in Customers") whose
objects are ``Ref``s (a label, and a link when the object still exists), and the
remaining details as labelled, human values (no codes, reprs or raw dicts).

Core names no feature: each app registers, as it loads (its ``audit_text.py``,
imported by its ``apps.py``), its actions' sentences, the kinds of event the
Activity filter offers, the labels and words of its details, and the kinds of
object its events name (``Target``: a noun, and a loader the caller uses to
name them in one query per kind). The caller passes ``names``, an object with
``ref(target_type, target_id) -> Ref | None`` and ``within(target_type,
target_id) -> Ref | None`` that has batch-loaded the page's objects (see
``workspaces.activity``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

# How many objects a detail that lists them (``Target.list_details``) names
# before "and N more".
LISTED = 10


@dataclass(frozen=True)
class Ref:
    """An object named in a sentence: its label, and its console URL ("" when it
    no longer exists or has no page)."""

    label: str
    url: str = ""

    def __str__(self) -> str:
        return self.label


class Names(Protocol):
    def ref(self, target_type: str, target_id: str) -> Ref | None: ...

    def within(self, target_type: str, target_id: str) -> Ref | None: ...


@dataclass
class Detail:
    label: str
    parts: list[str | Ref]

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)


@dataclass
class Line:
    """One event, readable: ``parts`` make the sentence, ``details`` the rest."""

    event: Any
    kind: str
    parts: list[str | Ref]
    details: list[Detail] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)

    @property
    def details_text(self) -> str:
        return "; ".join(f"{d.label}: {d.text}" for d in self.details)

    # The event's own columns, for templates and callers that read them.
    @property
    def pk(self):
        return self.event.pk

    @property
    def action(self) -> str:
        return self.event.action

    @property
    def created_at(self):
        return self.event.created_at

    @property
    def ip_address(self):
        return self.event.ip_address


# --- what the apps register ---------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A kind of object events name (``target_type``, e.g. "identity_pools.group").

    ``noun`` names one whose object is gone ("group 1a2b3c4d"); ``load(workspace,
    ids)`` returns ``{id: (Ref, within Ref or None)}`` for the ids of that
    workspace (one query; ids of other workspaces name nothing); ``recorded``:
    detail keys that hold its name when the object is gone, after ``name``,
    ``display_name``, ``email`` and the first of ``identifiers``;
    ``list_details``: detail keys that hold lists of ids of this kind, shown as
    names (the first ``LISTED``); ``actor_type``: the ``AuditEvent.actor_type``
    whose ``actor_id`` is one of these; ``container``: this kind is what a
    sentence's ``{pool}`` names (a ``pool`` id in the details, or the target's
    ``within``)."""

    type: str
    noun: str
    load: Callable[[Any, list], dict] | None = None
    recorded: tuple[str, ...] = ()
    list_details: tuple[str, ...] = ()
    actor_type: str = ""
    container: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of event in the Activity filter: the actions starting with one of
    ``prefixes`` (sign-ins taken out), or the registered sign-ins."""

    key: str
    label: Any
    prefixes: tuple[str, ...]
    order: int


SENTENCES: dict[str, str] = {}
KINDS: dict[str, Kind] = {}
SIGN_IN_ACTIONS: set[str] = set()
# A "from"/"to" pair of details is one change of this.
FROM_TO: dict[str, str] = {}
# Details already said by the sentence's target, or internal.
QUIET: set[str] = {"display_name", "next_serial"}
LABELS: dict[str, tuple[int, str]] = {}
VALUES: dict[str, str] = {}
# Details that are names or addresses: shown as recorded, never as words.
RAW: set[str] = {"name", "email", "to", "display_name"}
TARGETS: dict[str, Target] = {}
# Whatever else ties an event to an object id, for the Activity filter's
# "object" (the apps' details: a pool, the users a group event lists).
OBJECT_MATCHES: list[Callable[[str], Any]] = []


def register(
    *,
    sentences: dict[str, str] | None = None,
    kinds: list[Kind] = (),
    sign_ins: tuple[str, ...] = (),
    from_to: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    label_order: int = 100,
    values: dict[str, str] | None = None,
    raw: tuple[str, ...] = (),
    quiet: tuple[str, ...] = (),
    targets: list[Target] = (),
    object_match: Callable[[str], Any] | None = None,
) -> None:
    """Add an app's sentences, kinds of event, detail labels (shown in
    ``label_order``, then the order given), words for stored codes, and the
    kinds of object its events name. Sentences: "[...]" is left out when a
    placeholder inside it has no value; placeholders are actor, target, pool
    and any key of the details (then not repeated below). A key registered
    twice differently is a mistake."""
    for key in (sentences or {}).keys() & SENTENCES.keys():
        if SENTENCES[key] != sentences[key]:
            raise ImproperlyConfigured(
                f"The audit sentence {key!r} is registered twice."
            )
    SENTENCES.update(sentences or {})
    for kind in kinds:  # a kind two apps add to: both apps' prefixes
        known = KINDS.get(kind.key)
        if known is not None:
            kind = Kind(
                known.key, known.label, known.prefixes + kind.prefixes, known.order
            )
        KINDS[kind.key] = kind
    ordered = sorted(KINDS.values(), key=lambda kind: kind.order)
    KINDS.clear()
    KINDS.update({kind.key: kind for kind in ordered})
    SIGN_IN_ACTIONS.update(sign_ins)
    FROM_TO.update(from_to or {})
    for n, (key, label) in enumerate((labels or {}).items()):
        LABELS.setdefault(key, (label_order * 1000 + n, label))
    VALUES.update(values or {})
    RAW.update(raw)
    QUIET.update(quiet)
    TARGETS.update({target.type: target for target in targets})
    if object_match is not None:
        OBJECT_MATCHES.append(object_match)


def container_type() -> str:
    """The kind of object a sentence's ``{pool}`` names."""
    return next((t.type for t in TARGETS.values() if t.container), "")


def kind_of(action: str) -> str:
    if action in SIGN_IN_ACTIONS:
        return "sign_ins"
    for key, kind in KINDS.items():
        if kind.prefixes and action.startswith(kind.prefixes):
            return key
    return ""


_SHORT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")


def short_id(value: str) -> str:
    """The first 8 characters of a UUID (enough to tell objects apart on a page)."""
    value = str(value)
    return value[:8] if _SHORT_ID.match(value) else value


def label_of(key: str) -> str:
    return LABELS[key][1] if key in LABELS else key.replace("_", " ").capitalize()


def value_text(value: Any, *, raw: bool = False) -> str:
    """A detail value as words: yes/no, "none", lists joined by commas, codes in
    words, UUIDs shortened; never a Python repr. ``raw`` keeps strings as they
    are (names, addresses)."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,}" if isinstance(value, int) else str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, raw=raw) for v in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(
            f"{label_of(str(k))}: {value_text(v)}" for k, v in value.items()
        )
    text = str(value)
    if raw:
        return text
    if text in VALUES:
        return VALUES[text]
    if re.fullmatch(r"[a-z]+(_[a-z]+)+", text):
        return text.replace("_", " ")
    return short_id(text)


def _change(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{value_text(value[0])} → {value_text(value[1])}"
    if value is True:
        return "changed"
    return value_text(value)


def _recorded_label(target_type: str, details: dict) -> str:
    """What the event recorded about its target, for objects since deleted."""
    for key in ("name", "display_name", "email"):
        if isinstance(details.get(key), str) and details[key]:
            return details[key]
    identifiers = details.get("identifiers")
    if isinstance(identifiers, list) and identifiers:
        return str(identifiers[0])
    target = TARGETS.get(target_type)
    for key in target.recorded if target else ():
        if isinstance(details.get(key), str) and details[key]:
            return details[key]
    return ""


def _noun(target_type: str) -> str:
    target = TARGETS.get(target_type)
    return target.noun if target else target_type.rsplit(".", 1)[-1] or "object"


def target_ref(event, names: Names) -> Ref | None:
    if not event.target_type:
        return None
    found = names.ref(event.target_type, event.target_id)
    if found is not None:
        return found
    details = event.details if isinstance(event.details, dict) else {}
    recorded = _recorded_label(event.target_type, details)
    return Ref(recorded or f"{_noun(event.target_type)} {short_id(event.target_id)}")


def _actor_target(actor_type: str) -> str:
    return next((t.type for t in TARGETS.values() if t.actor_type == actor_type), "")


def actor_ref(event, names: Names) -> Ref:
    label = event.actor_label or event.get_actor_type_display()
    kind = _actor_target(event.actor_type)
    if kind and event.actor_id:
        found = names.ref(kind, event.actor_id)
        if found is not None:
            return found
    if event.actor_type == "api_token":
        return Ref(f"API token {label}")
    return Ref(label)


def _fill(template: str, values: dict[str, Any]) -> tuple[list[str | Ref], set]:
    """The parts of ``template`` with ``values``; "[...]" optional segments drop
    out when one of their placeholders has no value. Returns the keys used."""
    parts: list[str | Ref] = []
    used: set[str] = set()
    for optional, segment in _segments(template):
        pieces: list[str | Ref] = []
        keys = set()
        missing = False
        for literal, name, spec, _conv in string.Formatter().parse(segment):
            if literal:
                pieces.append(literal)
            if name is None:
                continue
            keys.add(name)
            value = values.get(name)
            if value is None or value == "":
                missing = True
                pieces.append("something" if name == "target" else "")
            elif spec and isinstance(value, int):
                # "{added:user}" → "1 user", "3 users"
                pieces.append(f"{value:,} {spec}{'' if value == 1 else 's'}")
            else:
                pieces.append(
                    value if isinstance(value, (Ref, str)) else value_text(value)
                )
        if optional and missing:
            continue
        parts += pieces
        used |= keys
    return parts, used


def _segments(template: str):
    for match in re.finditer(r"\[([^\]]*)\]|([^\[]+)", template):
        if match.group(1) is not None:
            yield True, match.group(1)
        else:
            yield False, match.group(2)


def _listed(key: str) -> str:
    """The kind of object a detail ``key`` lists by id, or ""."""
    return next((t.type for t in TARGETS.values() if key in t.list_details), "")


def _detail(event, key: str, value: Any, names: Names) -> list[Detail]:
    if key == "changes" and isinstance(value, dict):
        return [Detail(label_of(str(k)), [_change(v)]) for k, v in value.items()]
    kind = _listed(key)
    if kind and isinstance(value, list):
        refs: list[str | Ref] = []
        for n, object_id in enumerate(value[:LISTED]):
            if n:
                refs.append(", ")
            refs.append(
                names.ref(kind, str(object_id))
                or Ref(f"{_noun(kind)} {short_id(object_id)}")
            )
        more = len(value) - LISTED
        if more > 0:
            refs.append(f" and {more} more")
        return [Detail(label_of(key), refs or ["none"])]
    if key == "name" and isinstance(value, list):
        return [Detail(label_of(key), [_change(value)])]
    return [Detail(label_of(key), [value_text(value, raw=key in RAW)])]


def _order(key: str) -> tuple[int, str]:
    """Details in a fixed order (PostgreSQL's jsonb keeps no key order)."""
    return (LABELS[key][0] if key in LABELS else 10**9, key)


def describe(event, names: Names) -> Line:
    """``event`` as a sentence with labelled details; an unknown action reads
    "<actor> did “<action in words>” on <target>"."""
    details = event.details if isinstance(event.details, dict) else {}
    target = target_ref(event, names)
    container = container_type()
    pool = None
    if container and event.target_type == container:
        pool = target
    elif event.target_type:
        pool = names.within(event.target_type, event.target_id)
    if pool is None and container and details.get("pool"):
        pool = names.ref(container, str(details["pool"]))
    values: dict[str, Any] = {
        **{k: v for k, v in details.items() if isinstance(v, (str, int, float))},
        "actor": actor_ref(event, names),
        "target": target,
        "pool": pool,
    }
    template = SENTENCES.get(event.action)
    if template is None:
        words = event.action.replace(".", ": ").replace("_", " ")
        words = re.sub(r"[{}\[\]]", "", words)
        template = "{actor} did “" + words + "”"
        template += " on {target}" if target is not None else ""
    parts, used = _fill(template, values)
    if parts and isinstance(parts[0], str):
        parts[0] = parts[0][:1].upper() + parts[0][1:]
    lines: list[Detail] = []
    if event.action in FROM_TO and {"from", "to"} <= details.keys():
        pair = [details["from"], details["to"]]
        lines.append(Detail(FROM_TO[event.action], [_change(pair)]))
        used |= {"from", "to"}
    for key in sorted(details, key=_order):
        value = details[key]
        if key in used or key in QUIET or (key == "pool" and container):
            continue
        if key in ("name", "email") and target is not None and value == target.label:
            continue
        lines += _detail(event, key, value, names)
    return Line(event=event, kind=kind_of(event.action), parts=parts, details=lines)


def referenced(events) -> dict[str, set[str]]:
    """The ids each event names (targets, actors, the container in details,
    objects listed in details), by type: what a ``Names`` should load."""
    wanted: dict[str, set[str]] = {}
    container = container_type()

    def add(kind: str, value: Any) -> None:
        if kind and value:
            wanted.setdefault(kind, set()).add(str(value))

    for event in events:
        if event.target_type:
            add(event.target_type, event.target_id)
        if event.actor_type:
            add(_actor_target(event.actor_type), event.actor_id)
        details = event.details if isinstance(event.details, dict) else {}
        if container and isinstance(details.get("pool"), str):
            add(container, details["pool"])
        for key, value in details.items():
            kind = _listed(key)
            if kind and isinstance(value, list):
                for object_id in value[:LISTED]:
                    add(kind, object_id)
    return wanted
