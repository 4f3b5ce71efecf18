import time
import uuid

from identity_pools import ids


def test_ids_made_one_after_another_sort_in_the_order_made():
    made = [ids.uuid7() for _ in range(5000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_ids_are_version_7_with_the_rfc_variant_and_the_current_time():
    before = time.time_ns() // 1_000_000
    value = ids.uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= time.time_ns() // 1_000_000 + 1


def test_a_clock_that_steps_back_does_not_reorder_ids(monkeypatch):
    first = ids.uuid7()
    monkeypatch.setattr(ids.time, "time_ns", lambda: 0)
    second = ids.uuid7()
    assert second > first
    assert second.version == 7 and second.variant == uuid.RFC_4122
