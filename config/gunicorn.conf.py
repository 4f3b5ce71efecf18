"""gunicorn settings for production: ``gunicorn config.wsgi -c config/gunicorn.conf.py``.

Read from the environment (command-line options still win over this file):

- ``GUNICORN_BIND``: address to listen on (default ``127.0.0.1:8000``; behind a
  TLS-terminating proxy).
- ``WEB_CONCURRENCY``: sync worker processes (default 2 × CPUs + 1).
- ``GUNICORN_TIMEOUT``: seconds a request may run before its worker is
  restarted (default 120: checking every user of a pool against a new schema
  takes about 15 s per million users, bench/schema_impact.py).
- ``GUNICORN_ACCESS_LOG``: ``-`` for an access log on stdout; off by default
  (the app's own logging and the proxy's log cover requests).

The application is loaded once in the master (``preload_app``) and, before the
first worker is forked, the URL configuration (every view, form and model) is
imported, and ``core.gc_tuning.gc_tune()`` freezes all of it out of the garbage
collector's way and raises its thresholds (bench/README.md, "Steady p95"). Doing
it in the master means it is done once, workers start ready to serve, and the
frozen objects' pages stay shared between workers: a collection in a worker
never writes to them. With ``preload_app`` a HUP reload does not load new code;
deploy by restarting gunicorn (or USR2, then QUIT the old master).
"""

from __future__ import annotations

import multiprocessing
import os

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def _warm_up_and_tune(log) -> None:
    from django.db import connections
    from django.urls import get_resolver

    from core.gc_tuning import gc_tune

    # Django imports the URL configuration on the first request; import it now
    # so that the views, forms and templatetags it pulls in are frozen too.
    len(get_resolver().url_patterns)
    # Nothing above should connect to the database; never let workers share one.
    connections.close_all()
    frozen = gc_tune()
    log.info("Garbage collector tuned: %s objects frozen.", f"{frozen:,}")


def when_ready(server) -> None:
    """In the master, after the application is loaded, before any fork."""
    if server.cfg.preload_app:
        _warm_up_and_tune(server.log)


def post_worker_init(worker) -> None:
    """In each worker after it loaded the application: only without preload."""
    if not worker.cfg.preload_app:
        _warm_up_and_tune(worker.log)
