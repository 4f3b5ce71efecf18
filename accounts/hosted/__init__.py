"""End users' hosted pages under ``/w/<workspace>/``: their own layout (branded with
the workspace's name), their own session (``session.py``: a separate cookie, never
the console's) and their own resolver (``access.py``: public, by slug)."""
