"""Every write of user schemas, and the impact check of a schema on existing users.

Callers pass resolved objects: a workspace from ``workspaces.access``, a schema looked
up through ``UserSchema.objects.for_workspace(workspace)``. Each write checks the
document with ``documents.schema_document_check``, runs in one
transaction and records its audit event in it. Built-in schemas (no workspace) are
never changed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from core.audit import audit_record, changes_applied
from core.catalogue import message
from workspaces.models import Workspace

from ..models import IdentityPool, PoolUser, UserSchema
from .data import schema_data_checker, schema_data_validity_checker
from .documents import schema_document_check
from .editable import users_document

SAMPLE_SIZE = 10
SCAN_CHUNK_SIZE = 2000
# How many pool names a refusal names before "and N more".
POOLS_NAMED = 5


@dataclass
class SchemaImpact:
    """What applying a schema document to existing users would do.

    ``checked`` users were read, ``failing`` of them do not satisfy the document;
    ``samples`` holds up to ``sample_size`` failing users with their errors (as
    returned by ``schema_data_errors``), in pool order, then id order.
    """

    checked: int = 0
    failing: int = 0
    samples: list[tuple[PoolUser, dict[str, list[str]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failing == 0


class SchemaBreaksUsers(ValidationError):
    """``user_schema_update`` refused: existing users would not satisfy the new
    document. ``impact`` says how many and which; pass ``force=True`` to save
    anyway."""

    def __init__(self, impact: SchemaImpact) -> None:
        super().__init__(
            message(
                "schema_breaks_users", failing=impact.failing, checked=impact.checked
            ),
            code="schema_breaks_users",
        )
        self.impact = impact


def user_schema_impact(
    *,
    document: dict,
    kind: str,
    pools: Iterable[IdentityPool],
    sample_size: int = SAMPLE_SIZE,
) -> SchemaImpact:
    """Check every user of ``pools`` against ``document``; no writes.

    ``kind`` says which data the document is for: ``UserSchema.Kind.USER_DATA``
    checks ``user_data``, ``UserSchema.Kind.METADATA`` checks ``metadata``. Reads
    each pool in id order in chunks of 2,000 rows (only id and the data column),
    then loads the sampled users in one query. Assumes ``document`` passed
    ``schema_document_check``. User data may lack a required property only
    operators fill in (``editable.users_document``).
    """
    column = "metadata" if kind == UserSchema.Kind.METADATA else "user_data"
    if column == "user_data":
        # A required field only operators fill in, missing: to be filled (users
        # who signed up have none), not broken (``editable``).
        document = users_document(document)
    # Messages only for the samples; the count needs a yes/no per user.
    is_valid = schema_data_validity_checker(document)
    check = schema_data_checker(document)
    impact = SchemaImpact()
    sampled: dict[Any, dict[str, list[str]]] = {}
    for pool in pools:
        rows = (
            PoolUser.objects.filter(pool=pool)
            .order_by("id")
            .values_list("id", column)
            .iterator(chunk_size=SCAN_CHUNK_SIZE)
        )
        for user_id, data in rows:
            impact.checked += 1
            if is_valid(data):
                continue
            impact.failing += 1
            if len(sampled) < sample_size:
                sampled[user_id] = check(data)
    if sampled:
        users = PoolUser.objects.select_related("pool").in_bulk(list(sampled))
        impact.samples = [
            (users[user_id], errors)
            for user_id, errors in sampled.items()
            if user_id in users
        ]
    return impact


def user_schema_pools(*, schema: UserSchema, workspace: Workspace) -> QuerySet:
    """The pools of ``workspace`` that use ``schema`` for user data or metadata.

    A read, kept beside the writes that refuse or scan because of it. Scoped to
    ``workspace`` so a built-in schema never reveals other workspaces' pools.
    """
    return IdentityPool.objects.for_workspace(workspace).filter(
        Q(user_schema=schema) | Q(metadata_schema=schema)
    )


def _refuse_builtin(schema: UserSchema) -> None:
    if schema.is_builtin:
        raise ValidationError(message("schema_builtin"), code="schema_builtin")


def _name_taken(*, workspace: Workspace, name: str, exclude_pk=None) -> bool:
    """Whether another schema the workspace sees (its own or a built-in) has
    ``name``, case-insensitively."""
    return (
        UserSchema.objects.for_workspace(workspace)
        .filter(name__iexact=name)
        .exclude(pk=exclude_pk)
        .exists()
    )


def _name_taken_error() -> ValidationError:
    return ValidationError(
        {
            "name": ValidationError(
                message("schema_name_taken"), code="schema_name_taken"
            )
        }
    )


def _json_text(document: object) -> str:
    """``document`` as JSON text, keys in their order (unlike ``==`` on dicts)."""
    return json.dumps(document, ensure_ascii=False)


def _validate(schema: UserSchema, document: object) -> None:
    """Collect the document's and the model's field errors, then the name check,
    and raise them together."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        schema_document_check(document)
    except ValidationError as exc:
        errors["document"] = exc.error_list
    try:
        schema.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            # The document check explains an empty or wrong document better.
            if name != "document" or "document" not in errors:
                errors.setdefault(name, []).extend(field_errors)
    if "name" not in errors and _name_taken(
        workspace=schema.workspace, name=schema.name, exclude_pk=schema.pk
    ):
        errors["name"] = _name_taken_error().error_dict["name"]
    if errors:
        raise ValidationError(errors)


def user_schema_create(
    *,
    workspace: Workspace,
    actor,
    name: str,
    description: str,
    kind: str,
    document: dict,
) -> UserSchema:
    """Create a schema of ``workspace``. ``document`` is stored as given, key order
    included (the order of ``properties`` is the order of the form's fields).

    Raises ValidationError: ``document`` errors from ``schema_document_check``
    (under ``"document"``), model field errors (e.g. ``kind``), and
    ``schema_name_taken`` under ``"name"`` when the workspace already sees a schema
    of that name in any letter case, also when a concurrent create wins the race.
    """
    schema = UserSchema(
        workspace=workspace,
        kind=kind,
        name=(name or "").strip(),
        description=(description or "").strip(),
        document=document,
    )
    _validate(schema, document)
    try:
        with transaction.atomic():
            schema.save(force_insert=True)
            audit_record(
                actor=actor,
                action="user_schema.created",
                workspace=workspace,
                target=schema,
                details={"name": schema.name, "kind": schema.kind},
            )
    except IntegrityError as exc:
        raise _name_taken_error() from exc
    return schema


def _update_impact(schema: UserSchema, document: dict) -> SchemaImpact:
    """Impact on the users of every pool of the schema's workspace that uses it,
    checking the data column that matches how each pool uses it."""
    impact = SchemaImpact()
    for fk, kind in (
        ("user_schema", UserSchema.Kind.USER_DATA),
        ("metadata_schema", UserSchema.Kind.METADATA),
    ):
        pools = list(
            IdentityPool.objects.for_workspace(schema.workspace)
            .filter(**{fk: schema})
            .order_by("name")
        )
        if not pools:
            continue
        part = user_schema_impact(
            document=document,
            kind=kind,
            pools=pools,
            sample_size=SAMPLE_SIZE - len(impact.samples),
        )
        impact.checked += part.checked
        impact.failing += part.failing
        impact.samples.extend(part.samples)
    return impact


def user_schema_update(
    *,
    schema: UserSchema,
    actor,
    name: str,
    description: str,
    document: dict,
    force: bool = False,
) -> UserSchema:
    """Change a workspace schema's name, description and document (not its kind).
    ``document`` is stored as given, as by ``user_schema_create``.

    Raises ValidationError with ``schema_builtin`` for a built-in schema, the same
    field errors as ``user_schema_create``, and ``SchemaBreaksUsers`` (code
    ``schema_breaks_users``, carrying the ``SchemaImpact``) when users of pools that
    use the schema would not satisfy the new document, unless ``force``. The scan
    runs only when the document's content changes (not when only its key order
    does: that changes no user's validity). On any error ``schema`` is left as it
    was.
    """
    _refuse_builtin(schema)
    before = {
        "name": schema.name,
        "description": schema.description,
        "document": schema.document,
    }
    changes: dict[str, Any] = changes_applied(
        schema, name=(name or "").strip(), description=(description or "").strip()
    )
    schema.document = document
    impact: SchemaImpact | None = None
    try:
        _validate(schema, document)
        # Dict equality ignores key order: reordering the fields scans no users.
        if document != before["document"]:
            impact = _update_impact(schema, document)
            if impact.failing and not force:
                raise SchemaBreaksUsers(impact)
    except ValidationError:
        for key, value in before.items():
            setattr(schema, key, value)
        raise
    # A new key order is a change too: it reorders the form's fields.
    if _json_text(before["document"]) != _json_text(document):
        changes["document"] = True
    details: dict[str, Any] = {"changes": changes}
    if impact is not None:
        details.update(
            users_checked=impact.checked,
            users_failing=impact.failing,
            forced=bool(force and impact.failing),
        )
    try:
        with transaction.atomic():
            schema.save(update_fields=["name", "description", "document", "updated_at"])
            audit_record(
                actor=actor,
                action="user_schema.updated",
                workspace=schema.workspace,
                target=schema,
                details=details,
            )
    except IntegrityError as exc:
        for key, value in before.items():
            setattr(schema, key, value)
        raise _name_taken_error() from exc
    return schema


def user_schema_delete(*, schema: UserSchema, actor) -> None:
    """Delete a workspace schema that no pool uses.

    Raises ValidationError with ``schema_builtin`` for a built-in schema and
    ``schema_in_use`` (naming the pools) when a pool uses it, also when a pool
    starts using it concurrently (the foreign key refuses at commit).
    """
    _refuse_builtin(schema)
    using = user_schema_pools(schema=schema, workspace=schema.workspace)
    names = list(using.order_by("name").values_list("name", flat=True)[:POOLS_NAMED])
    if names:
        raise _in_use_error(names, total=using.count())
    workspace, pk, name = schema.workspace, schema.pk, schema.name
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="user_schema.deleted",
                workspace=workspace,
                target=schema,
                details={"name": name, "kind": schema.kind},
            )
            UserSchema.objects.filter(pk=pk).delete()
    except IntegrityError as exc:
        names = list(
            user_schema_pools(schema=schema, workspace=workspace)
            .order_by("name")
            .values_list("name", flat=True)[:POOLS_NAMED]
        )
        raise _in_use_error(names or ["(a pool created just now)"], total=0) from exc


def _in_use_error(names: list[str], *, total: int) -> ValidationError:
    listed = ", ".join(f"“{n}”" for n in names)
    if total > len(names):
        listed += f" and {total - len(names)} more"
    return ValidationError(message("schema_in_use", pools=listed), code="schema_in_use")
