"""Form shapes of the user-schema screens. Writes happen in
identity_pools.services.schemas; what a document may contain is decided by
identity_pools.schemas.schema_document_check (called by the services)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import strictjson
from core.catalogue import error

from ..models import UserSchema
from .data import schema_data_errors
from .documents import MAX_DOCUMENT_BYTES
from .fields import schema_data_from_form, schema_form_fields, schema_form_initial

# The text may be indented generously; the document's own limit (64 KiB as compact
# JSON) is checked on the parsed document.
MAX_TEXT_CHARS = 4 * MAX_DOCUMENT_BYTES


def document_text(document: object) -> str:
    """``document`` as operators read and edit it: pretty-printed JSON, keys in the
    order they are stored (the order the operator wrote them). The one rendering
    of the create and edit text boxes and of the read-only view."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def document_digest(document: object) -> str:
    """A short fingerprint of a document's content, to tie "Save anyway" to the
    exact document whose impact the operator saw."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class JSONDocumentField(forms.CharField):
    """A JSON text box whose cleaned value is the parsed document.

    Parse errors say what is wrong and where (line and column); duplicate keys and
    NaN/Infinity are refused, since JSON readers disagree about them.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.Textarea(
                attrs={
                    "class": "code",
                    "rows": 24,
                    "spellcheck": "false",
                    "autocapitalize": "off",
                    "autocomplete": "off",
                }
            ),
        )
        super().__init__(strip=False, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return value
        text = super().to_python(value)
        if not text.strip():
            return None
        try:
            return strictjson.loads(text, max_chars=MAX_TEXT_CHARS)
        except strictjson.JSONProblem as exc:
            if exc.kind == strictjson.TOO_LONG:
                raise error(
                    "json_too_long", length=exc.length, limit=exc.limit
                ) from exc
            if exc.kind == strictjson.SYNTAX:
                raise error(
                    "json_invalid",
                    problem=exc.problem,
                    line=exc.line,
                    column=exc.column,
                ) from exc
            if exc.kind == strictjson.DUPLICATE_KEY:
                raise error("json_duplicate_key", key=exc.key) from exc
            # NaN/Infinity, integers too long to read, absurd nesting.
            raise error("json_invalid.value", problem=str(exc)[:200]) from exc

    def validate(self, value: Any) -> None:
        # {} and [] are documents (wrong ones, said by the schema check), not blanks.
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return document_text(value)
        return value


DOCUMENT_HELP = _(
    'A JSON Schema (draft 2020-12) with "type": "object" and "properties". Each '
    'property becomes a field of "Create User": a string, integer, number or boolean; '
    'an "enum" of allowed values (a drop-down list); or an array whose "items" have '
    'an "enum" of strings (checkboxes). Strings may have the format date, date-time, '
    'email or uri. "title" is the label, "description" the help text, "required" '
    'lists the mandatory fields. "x-editable-by" says who fills a field in: "user" '
    "(the default: users do, and sign-up asks for the required ones) or "
    '"operator" (operators only: sign-up, invitations and the account page never '
    'ask for it or take it, users only see it; "required" then holds for '
    "operators' changes only, and users who sign up have it to be filled)."
)


class _SchemaFormBase(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Shown when choosing the schemas of a pool."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SchemaCreateForm(_SchemaFormBase):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=UserSchema.Kind.choices,
        initial=UserSchema.Kind.USER_DATA,
        help_text=_(
            "User data is the profile users see and edit; metadata is for operators "
            "only. Cannot be changed later."
        ),
    )
    document = JSONDocumentField(label=_("JSON Schema"), help_text=DOCUMENT_HELP)


class SchemaUpdateForm(_SchemaFormBase):
    """Edit a schema. ``confirm`` ("Save anyway") and ``confirmed_document`` exist
    only while the operator is shown how many users the new document breaks."""

    document = JSONDocumentField(label=_("JSON Schema"), help_text=DOCUMENT_HELP)
    confirm = forms.BooleanField(
        label=_("Save anyway"),
        required=False,
        help_text=_(
            "Save although these users do not satisfy the new schema. Their data is "
            "kept as it is and must be corrected the next time they are edited."
        ),
    )
    confirmed_document = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, offer_confirm: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not offer_confirm:
            self.hide_confirm()

    def hide_confirm(self) -> None:
        self.fields.pop("confirm", None)
        self.fields.pop("confirmed_document", None)

    def offer_confirm(self, document: object) -> None:
        """Show "Save anyway", unticked, bound to ``document``'s fingerprint."""
        data = self.data.copy()
        data[self.add_prefix("confirmed_document")] = document_digest(document)
        data.pop(self.add_prefix("confirm"), None)
        self.data = data

    @property
    def force(self) -> bool:
        """Whether the operator ticked "Save anyway" for this very document."""
        cleaned = self.cleaned_data
        return bool(
            cleaned.get("confirm")
            and cleaned.get("confirmed_document")
            == document_digest(cleaned.get("document"))
        )


# --- user data forms -------------------------------------------------------------

DATA_PREFIX = "data_"


class SchemaDataFormMixin:
    """Adds the fields of a JSON Schema (prefixed) and validates the data as a whole
    against the schema, putting each error next to its field."""

    def add_schema_fields(
        self, document: dict, prefix: str, initial: dict | None
    ) -> None:
        self.schema_document = document
        self.schema_prefix = prefix
        self.schema_fields = schema_form_fields(document, prefix=prefix)
        self.fields.update(self.schema_fields)
        if initial:
            self.initial.update(schema_form_initial(document, initial, prefix=prefix))

    def schema_bound_fields(self):
        return [self[name] for name in self.schema_fields]

    def schema_required_bound_fields(self):
        """The schema's fields that must be filled in (shown at once)."""
        return [f for f in self.schema_bound_fields() if self._schema_required(f)]

    def schema_optional_bound_fields(self):
        """The schema's optional fields (folded under "More fields")."""
        return [f for f in self.schema_bound_fields() if not self._schema_required(f)]

    def schema_optional_errors(self) -> bool:
        """Whether an optional field has an error (its fold is then open)."""
        return any(f.errors for f in self.schema_optional_bound_fields())

    def _schema_required(self, bound_field) -> bool:
        name = bound_field.name.removeprefix(self.schema_prefix)
        return name in self.schema_document.get("required", ())

    def clean_schema_data(self) -> dict:
        data = schema_data_from_form(
            self.schema_document, self.cleaned_data, prefix=self.schema_prefix
        )
        for prop, problems in schema_data_errors(self.schema_document, data).items():
            field = self.schema_prefix + prop
            if field in self.errors:
                continue  # the field's own check already said what is wrong
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)
        # One error per field: a value can fail several checks (length, pattern,
        # format) and the first says enough to fix it.
        for name in self.schema_fields:
            if len(self._errors.get(name, ())) > 1:
                del self._errors[name][1:]
        return data


class SchemaDataForm(SchemaDataFormMixin, forms.Form):
    """Edit user data or metadata through its schema."""

    def __init__(self, *args, document: dict, values: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_schema_fields(document, DATA_PREFIX, values)

    def clean(self):
        cleaned = super().clean()
        cleaned["schema_data"] = self.clean_schema_data()
        return cleaned
