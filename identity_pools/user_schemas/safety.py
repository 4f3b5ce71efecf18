"""What makes a user schema safe to run, whatever an operator wrote in it.

A user schema is operator input, and so hostile. Checking data against it must
never reach the network or the file system, never recurse without end, and never
run a regular expression in unbounded time. Three mechanisms hold that:

- ``schema_safety_errors`` refuses, when a schema is saved, every reference
  (``$ref``, ``$dynamicRef``) that does not resolve inside the document, in any
  subschema at any depth; references that loop back on themselves; ``$id`` and
  ``$schema`` below the top level (they would change how references resolve); and
  every pattern RE2 cannot run (``core.patterns``). The engine runs the same check
  on stored documents before it uses them, so a document saved before a rule
  existed is reported as unusable rather than run.
- ``safe_validator`` builds the jsonschema validator with ``SAFE_REGISTRY``, whose
  retrieval refuses every URI: jsonschema's default would fetch remote references
  with ``urlopen``.
- The validator's ``pattern``, ``patternProperties`` and ``additionalProperties``
  keywords match with RE2, never Python's backtracking ``re``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema import validators as jsonschema_validators
from jsonschema.exceptions import ValidationError as JSONSchemaError
from referencing import Registry
from referencing.exceptions import NoSuchResource

from core.catalogue import located_error as document_error
from core.patterns import PatternError, pattern_error, pattern_search

MAX_REFERENCES = 100

Path = tuple[str | int, ...]

# Draft 2020-12 keywords whose value is a schema, a list of schemas, or an object
# whose values are schemas (with the older spellings jsonschema still reads).
_SCHEMA_VALUED = frozenset(
    {
        "additionalItems",
        "additionalProperties",
        "contains",
        "contentSchema",
        "else",
        "if",
        "items",
        "not",
        "propertyNames",
        "then",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_SCHEMA_LIST_VALUED = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items"})
_SCHEMA_MAP_VALUED = frozenset(
    {
        "$defs",
        "definitions",
        "dependentSchemas",
        "dependencies",
        "patternProperties",
        "properties",
    }
)
_REFERENCE_KEYWORDS = ("$ref", "$dynamicRef")


def iter_subschemas(document: object) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, schema) for the document and every subschema in it, in document
    order, wherever it is nested. Iterative: hostile nesting cannot exhaust the
    stack. Boolean schemas are skipped (they hold nothing)."""
    stack: list[tuple[Path, object]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if not isinstance(node, dict):
            continue
        yield path, node
        children: list[tuple[Path, object]] = []
        for keyword, value in node.items():
            if keyword in _SCHEMA_VALUED and isinstance(value, dict | bool):
                children.append(((*path, keyword), value))
            elif keyword in _SCHEMA_LIST_VALUED and isinstance(value, list):
                children.extend(
                    ((*path, keyword, index), item) for index, item in enumerate(value)
                )
            elif keyword in _SCHEMA_MAP_VALUED and isinstance(value, dict):
                children.extend(
                    ((*path, keyword, name), item) for name, item in value.items()
                )
        stack.extend(reversed(children))


def _resolve_pointer(document: object, fragment: str) -> Path | None:
    """The path that a JSON-pointer fragment ("/$defs/name", percent-encoded as in
    a URI) names in ``document``, or None when nothing is there."""
    if fragment == "":
        return ()
    if not fragment.startswith("/"):
        return None
    node, path = document, []
    for raw in unquote(fragment)[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
            path.append(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
            path.append(int(token))
        else:
            return None
    return tuple(path) if isinstance(node, dict | bool) else None


def _references(
    document: object,
) -> tuple[list[tuple[Path, str, str, Path | None]], list[ValidationError]]:
    """Every reference as (where, keyword, ref, target path or None), and the
    errors of references that leave the document or name nothing in it."""
    schemas = list(iter_subschemas(document))
    anchors: dict[str, Path] = {}
    for path, schema in schemas:
        for keyword in ("$anchor", "$dynamicAnchor"):
            if isinstance(schema.get(keyword), str):
                anchors.setdefault(schema[keyword], path)
    found, errors = [], []
    for path, schema in schemas:
        for keyword in _REFERENCE_KEYWORDS:
            ref = schema.get(keyword)
            if not isinstance(ref, str):
                continue
            where = (*path, keyword)
            if not ref.startswith("#"):
                errors.append(
                    document_error("schema_reference.outside", where, ref=ref)
                )
                continue
            fragment = ref[1:]
            if fragment.startswith("/") or fragment == "":
                target = _resolve_pointer(document, fragment)
            else:
                target = anchors.get(unquote(fragment))
            if target is None:
                errors.append(
                    document_error("schema_reference.missing", where, ref=ref)
                )
            found.append((where, keyword, ref, target))
    return found, errors


def _cycle_errors(
    references: list[tuple[Path, str, str, Path | None]],
) -> list[ValidationError]:
    """Errors for references that can lead back to themselves. Following a
    reference evaluates its target, which evaluates every reference inside it; a
    loop in that relation may never end (any recursion is refused: a user schema
    describes a flat form)."""
    sites = [where[:-1] for where, _keyword, _ref, _target in references]
    edges = [
        [
            j
            for j, site in enumerate(sites)
            if target is not None and site[: len(target)] == target
        ]
        for _where, _keyword, _ref, target in references
    ]
    # Iterative depth-first search: 0 unseen, 1 on the current path, 2 done.
    state = [0] * len(references)
    in_cycle: set[int] = set()
    for start in range(len(references)):
        if state[start]:
            continue
        stack = [(start, iter(edges[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state[child] == 1:
                loop = [n for n, _ in stack]
                in_cycle.update(loop[loop.index(child) :])
            elif state[child] == 0:
                state[child] = 1
                stack.append((child, iter(edges[child])))
    return [
        document_error("schema_reference.cycle", references[i][0], ref=references[i][2])
        for i in sorted(in_cycle)
    ]


def _shown_pattern(pattern: str, limit: int = 60) -> str:
    shown = pattern if len(pattern) <= limit else pattern[: limit - 1] + "…"
    return f'"{shown}"'


def schema_safety_errors(document: object) -> list[ValidationError]:
    """Why running ``document`` could reach outside it, never end, or take
    unbounded time; an empty list when it is safe (see the module's docstring).

    Codes: ``schema_reference`` (a reference leaves the document, names nothing,
    loops, or ``$id``/``$schema`` below the top level), ``schema_too_large`` (more
    than ``MAX_REFERENCES`` references) and ``schema_pattern`` (a ``pattern`` or
    ``patternProperties`` key that RE2 cannot run). Each message starts with the
    JSON pointer of the problem. Assumes ``document`` is valid JSON Schema.
    """
    errors: list[ValidationError] = []
    for path, schema in iter_subschemas(document):
        if path:
            errors.extend(
                document_error(
                    "schema_reference.nested_id", (*path, keyword), keyword=keyword
                )
                for keyword in ("$id", "$schema")
                if keyword in schema
            )
        patterns: list[tuple[Path, str]] = []
        if isinstance(schema.get("pattern"), str):
            patterns.append(((*path, "pattern"), schema["pattern"]))
        if isinstance(schema.get("patternProperties"), dict):
            patterns.extend(
                ((*path, "patternProperties", key), key)
                for key in schema["patternProperties"]
            )
        for where, pattern in patterns:
            reason = pattern_error(pattern)
            if reason:
                errors.append(
                    document_error(
                        "schema_pattern",
                        where,
                        pattern=_shown_pattern(pattern),
                        reason=reason,
                    )
                )
    references, reference_errors = _references(document)
    if len(references) > MAX_REFERENCES:
        return [
            *errors,
            document_error(
                "schema_too_large.references",
                count=len(references),
                limit=MAX_REFERENCES,
            ),
        ]
    errors.extend(reference_errors)
    errors.extend(_cycle_errors(references))
    return errors


# --- running a schema -------------------------------------------------------------


def _refuse_retrieval(uri: str):
    """Retrieval for SAFE_REGISTRY: nothing outside the document is ever read."""
    raise NoSuchResource(ref=uri)


# The meta-schemas of jsonschema are added to it (they are in memory); everything
# else is refused.
SAFE_REGISTRY: Registry = Registry(retrieve=_refuse_retrieval)


class UnusablePattern(Exception):
    """A stored pattern that RE2 refuses (saved before the rule existed); the
    engine reports the schema as unusable instead of running it."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(
            f"the pattern {_shown_pattern(pattern)} cannot be used: {reason}."
        )
        self.pattern, self.reason = pattern, reason


def _search(pattern: str, text: str) -> bool:
    try:
        return pattern_search(pattern, text)
    except PatternError as exc:
        raise UnusablePattern(pattern, exc.reason) from exc


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield JSONSchemaError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(
                    value, subschema, path=key, schema_path=pattern
                )


def _additional_properties(validator, additional, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    declared = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in declared
        and not any(_search(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        listed = ", ".join(repr(extra) for extra in sorted(extras, key=str))
        verb = "was" if len(extras) == 1 else "were"
        yield JSONSchemaError(
            f"Additional properties are not allowed ({listed} {verb} unexpected)"
        )


SafeValidator = jsonschema_validators.extend(
    Draft202012Validator,
    validators={
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)


def safe_validator(
    document: object, *, format_checker: FormatChecker | None = None
) -> Draft202012Validator:
    """A draft 2020-12 validator of ``document`` that reads nothing outside it and
    matches patterns with RE2. ``document`` should have passed
    ``schema_safety_errors``; iterating its errors may raise ``UnusablePattern``
    for a pattern RE2 refuses."""
    return SafeValidator(
        document, format_checker=format_checker, registry=SAFE_REGISTRY
    )
