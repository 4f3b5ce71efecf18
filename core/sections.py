"""Page sections other apps contribute: the app that owns a page keeps a
``Sections`` registry for it (a documented module of its own), the apps above
it register what they show there in their ``AppConfig.ready()``, and the page
renders them without importing them (imports run one way only).

A section is a template, included in the page's context, and a function
``context(view) -> dict`` adding what that template needs (one call per page
view, keys unique across the page's sections). Sections render in ``order``,
then in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[..., dict]
    order: int


class Sections:
    """The sections of one page (``page`` names it in errors)."""

    def __init__(self, page: str):
        self.page = page
        self._sections: list[Section] = []

    def register(
        self, *, template: str, context: Callable[..., dict], order: int = 100
    ) -> None:
        """Add a section; registering the same template again replaces it
        (``ready()`` may run more than once)."""
        kept = [s for s in self._sections if s.template != template]
        self._sections = sorted(
            [*kept, Section(template, context, order)], key=lambda s: s.order
        )

    def render(self, view) -> tuple[list[str], dict]:
        """The templates to include, in order, and the context they add."""
        context: dict = {}
        for section in self._sections:
            context.update(section.context(view))
        return [s.template for s in self._sections], context
