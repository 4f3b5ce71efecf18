"""Saving a model the way every service does: validated by the model (fields,
database constraints with their own messages), written in one transaction with
what goes with it (the audit event), and a constraint lost to a concurrent write
reported like any other validation error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction


def _onto_fields(exc: ValidationError, fields: Mapping[str, str]) -> ValidationError:
    """``exc`` with the non-field errors whose code is in ``fields`` moved to that
    field (a constraint over an expression such as Lower("name") reports at the
    top, but the person typed a name)."""
    if not fields or not hasattr(exc, "error_dict"):
        return exc
    moved: dict[str, list[ValidationError]] = {}
    for field, errors in exc.error_dict.items():
        for error in errors:
            target = (
                fields.get(error.code, field) if field == NON_FIELD_ERRORS else field
            )
            moved.setdefault(target, []).append(error)
    return ValidationError(moved)


def full_clean_onto(
    obj: models.Model,
    *,
    exclude: Iterable[str] = (),
    error_fields: Mapping[str, str] | None = None,
) -> None:
    """``obj.full_clean(exclude=...)``, its constraint errors moved onto the fields
    ``error_fields`` names by code."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise _onto_fields(exc, error_fields or {}) from exc


def constraint_lost(
    obj: models.Model,
    exc: IntegrityError,
    *,
    exclude: Iterable[str] = (),
    error_fields: Mapping[str, str] | None = None,
) -> ValidationError | IntegrityError:
    """After an IntegrityError on saving ``obj``: the ValidationError of the
    constraint a concurrent write won (checked again now), or ``exc`` itself when
    no constraint of ``obj`` explains it. Raise what it returns."""
    try:
        obj.validate_constraints(exclude=list(exclude))
    except ValidationError as lost:
        return _onto_fields(lost, error_fields or {})
    return exc


def validated_save(
    obj: models.Model,
    *,
    exclude: Iterable[str] = (),
    update_fields: Iterable[str] | None = None,
    error_fields: Mapping[str, str] | None = None,
    then: Callable[[], object] | None = None,
) -> None:
    """``full_clean()`` then save ``obj``, and call ``then()`` in the same
    transaction.

    Raises ValidationError from the model: field errors, and constraint errors
    with the constraint's ``violation_error_message`` and ``violation_error_code``
    (``error_fields`` maps such a code to the field it belongs to, e.g.
    ``{"pool_name_taken": "name"}``). When a concurrent write wins a unique
    constraint between the check and the commit, the same error is raised (the
    constraints are checked again); nothing is written then.
    """
    exclude = list(exclude)
    full_clean_onto(obj, exclude=exclude, error_fields=error_fields)
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields)
            if then is not None:
                then()
    except IntegrityError as exc:
        raise constraint_lost(
            obj, exc, exclude=exclude, error_fields=error_fields
        ) from exc
