"""View bases for screens whose writes go through one service.

Every write is a service call that raises ValidationError (with codes from
``core.catalogue``) for bad input; these bases put such errors where the person
sees them, so views only say which service to call and where to go next.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView


def apply_errors(form, exc: ValidationError, *, field_names=None) -> None:
    """Put a service's ValidationError onto ``form``: field errors next to their
    field (``field_names`` maps a service's field name to the form's, e.g.
    ``{"password": "password1"}``), everything else at the top."""
    field_names = field_names or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = field_names.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class FormFromViewMixin:
    """``form_kwargs_from_view`` names view attributes (e.g. "pool") that the
    form takes as keyword arguments of the same names."""

    form_kwargs_from_view: tuple[str, ...] = ()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        for name in self.form_kwargs_from_view:
            kwargs[name] = getattr(self, name)
        return kwargs


class ServiceFormView(FormFromViewMixin, FormView):
    """A form whose cleaned data goes to one service.

    ``perform(form)`` calls the service and returns its result; ``done(result)``
    answers (usually a flash message and a redirect, POST/redirect/GET). A
    ValidationError from the service goes onto the form (``service_fields`` renames
    service fields to form fields), which ``form_invalid`` shows again, answered
    with the status ``error_status(exc)``.
    """

    service_fields: dict[str, str] = {}

    def perform(self, form) -> Any:
        raise NotImplementedError

    def done(self, result: Any):
        raise NotImplementedError

    def error_status(self, exc: ValidationError) -> int:
        return 200

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except ValidationError as exc:
            apply_errors(form, exc, field_names=self.service_fields)
            response = self.form_invalid(form)
            response.status_code = self.error_status(exc)
            return response
        return self.done(result)


class ServiceConfirmView(TemplateView):
    """A page that asks "Delete …?" and, on POST, calls one service.

    GET renders ``template_name`` (which includes ``components/confirm.html``);
    POST calls ``perform()``: its result goes to ``done(result)``, a ValidationError
    to ``refused(exc)``, which by default flashes the message and redirects to
    ``refused_url()``.
    """

    def perform(self) -> Any:
        raise NotImplementedError

    def done(self, result: Any):
        raise NotImplementedError

    def refused_url(self) -> str:
        raise NotImplementedError

    def refused(self, exc: ValidationError):
        messages.error(self.request, " ".join(exc.messages))
        return redirect(self.refused_url())

    def post(self, request, *args, **kwargs):
        try:
            result = self.perform()
        except ValidationError as exc:
            return self.refused(exc)
        return self.done(result)
