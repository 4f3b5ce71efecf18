"""Moving users in and out of a pool in bulk: the import (``imports``: records
checked in Python, then written set-based by ``writes``), the export (``exports``:
streamed in keyset chunks), the import record (``records``, its JSON Schema for
OpenAPI in ``schema``) and its password hashes (``hashes``; the hashers are in
``config.hashers``), the management commands' file formats (``files``), and the
messages (``messages``)."""
