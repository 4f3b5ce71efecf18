"""How long an operator's catastrophic pattern takes to check, on every path a
pattern runs (identity_pools.schemas with core.patterns / RE2).

    .venv/bin/python bench/patterns.py

The pattern "^(a+)+$" against "a" * n + "!" takes Python's backtracking re about
8 s at n = 28, doubling with each character. Prints, for growing n, the median
time of: the Create User form field, the fast path (yes/no), jsonschema with its
messages (a schema outside the fast path), and propertyNames. Then, for scale,
Python's re at n = 20 to 24 (each extra character doubles it). Needs no database.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERN = "^(a+)+$"


def median_ms(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.exceptions import ValidationError

    from identity_pools.user_schemas import (
        schema_data_errors,
        schema_data_validity_checker,
        schema_document_check,
        schema_form_fields,
    )

    fast = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": PATTERN}},
    }
    slow = {**fast, "propertyNames": {"maxLength": 100}}
    names = {"type": "object", "properties": {}, "propertyNames": {"pattern": PATTERN}}
    for document in (fast, slow, names):
        schema_document_check(document)
    field = schema_form_fields(fast)["code"]
    fast_valid = schema_data_validity_checker(fast)

    def form(value):
        with contextlib.suppress(ValidationError):
            field.clean(value)

    print(f'Pattern "{PATTERN}" against "a" * n + "!" (median of 5, ms)')
    print(
        f"{'n':>9} {'form field':>11} {'fast path':>10} {'jsonschema':>11} "
        f"{'propertyNames':>14}"
    )
    for n in (28, 1_000, 10_000, 100_000):
        value = "a" * n + "!"
        row = [
            median_ms(lambda v=value: form(v)),
            median_ms(lambda v=value: fast_valid({"code": v})),
            median_ms(lambda v=value: schema_data_errors(slow, {"code": v})),
            median_ms(lambda v=value: schema_data_errors(names, {v: 1})),
        ]
        print(
            f"{n:>9} "
            + " ".join(
                f"{t:>{w}.3f}" for t, w in zip(row, (11, 10, 11, 14), strict=True)
            )
        )
    print("\nPython's re, for comparison (the engine no operator pattern reaches):")
    compiled = re.compile(PATTERN)
    for n in (20, 22, 24):
        value = "a" * n + "!"
        print(
            f"{n:>9} {median_ms(lambda v=value: compiled.search(v), repeat=1):>11.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
