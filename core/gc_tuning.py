"""Keep Python's cyclic garbage collector out of request latency.

A web process holds about 150,000 long-lived objects loaded at start-up
(Django's apps, models, URL patterns, the modules they import). Every full
collection walks all of them again, although none of them ever becomes garbage:
120–220 ms every ~58 requests in the console benchmark at 1M users, the whole
of the p95 spikes (bench/README.md, "Steady p95").

``gc_tune()`` moves what start-up loaded into the collector's permanent
generation (``gc.freeze()``), where no collection looks at it again, and then
makes full collections frequent: with start-up frozen they walk only what was
allocated since, and what they free is mostly the ORM's reference cycles
(prefetch caches, queries) of the last few requests. Left at Python's default, a
full collection waits for ten middle ones and then frees ten requests' worth of
garbage at once (12–20 ms); larger thresholds batch even more (a 50,000-object
young generation took 80–110 ms to free). Call it once start-up is done:
gunicorn's ``when_ready`` hook (config/gunicorn.conf.py) does, in the master
before it forks the workers, and bench/run.py does before its tuned
measurements.
"""

from __future__ import annotations

import gc

# (gen0, gen1, gen2), measured on CPython 3.12 (bench/README.md, "Steady p95").
# gen0: net container allocations before a young collection; gen1: young
# collections before a middle one; gen2: middle collections before a full one
# (Python's defaults: 700, 10, 10). CPython also holds a full collection back
# until the objects promoted since the last one are a quarter of those it kept,
# which bounds its cost if a worker's long-lived objects grow. Python 3.14's
# incremental collector reads these differently: measure again there.
GC_THRESHOLDS: tuple[int, int, int] = (700, 10, 1)


def gc_tune(*, thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> int:
    """Collect, freeze every surviving object and set ``thresholds``.

    Returns how many objects are frozen (``gc.get_freeze_count()``). Safe to call
    again, and in a forked worker: the frozen set and the thresholds are
    per-process and inherited by ``fork()``; a second call freezes only what was
    allocated since and sets the same thresholds. Objects frozen are never
    collected, so call it after start-up, not in the middle of a request.
    """
    # Collect first, so that start-up's garbage is freed rather than frozen.
    gc.collect()
    gc.freeze()
    # A full collection over nothing (all is frozen): CPython counts the objects
    # it kept as the long-lived total, and the frozen ones would otherwise hold
    # the next full collection back until a quarter as many piled up (22 ms).
    gc.collect()
    gc.set_threshold(*thresholds)
    return gc.get_freeze_count()
