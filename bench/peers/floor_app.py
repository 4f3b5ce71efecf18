"""The floor of a gunicorn worker: a bare WSGI function that answers each path
of ``FLOOR_DOCUMENTS`` (a JSON file: path → [content type, body]) with those
bytes, and 404 otherwise. bench/peers/run.py serves ours' discovery document
and JWKS with it, under the same gunicorn as ours: the rate no Django
application can pass in one worker, whatever its view does."""

from __future__ import annotations

import json
import os

with open(os.environ["FLOOR_DOCUMENTS"], encoding="utf-8") as documents:
    ANSWERS = {
        path: (
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body.encode()))),
            ],
            body.encode(),
        )
        for path, (content_type, body) in json.load(documents).items()
    }


def application(environ, start_response):
    found = ANSWERS.get(environ.get("PATH_INFO", ""))
    if found is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    headers, body = found
    start_response("200 OK", headers)
    return [body]
