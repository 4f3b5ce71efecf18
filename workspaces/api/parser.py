"""The API's request-body parser: strict JSON (``core.strictjson``: no key twice
in an object, no NaN or Infinity, no number out of range). django-ninja answers
a body it cannot parse with 400; the error handlers (``errors``) give it the
code ``malformed``. Text that cannot be stored is refused by ``shapes.Body``,
with the JSON pointer of each value."""

from __future__ import annotations

from ninja.parser import Parser

from core import strictjson


class StrictParser(Parser):
    def parse_body(self, request):
        return strictjson.loads(request.body)
