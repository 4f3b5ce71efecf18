"""The garbage collector tuning (core/gc_tuning.py) and the gunicorn config that
applies it (config/gunicorn.conf.py). Timings are bench/run.py's, not tests'."""

from __future__ import annotations

import gc
import os
import runpy
import weakref
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

import core.gc_tuning
from core.gc_tuning import GC_THRESHOLDS, gc_tune

CONFIG = Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py"


class Cycle:
    """An object that only the cyclic collector can free."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def restore_gc():
    """Leave the collector as the test found it (nothing frozen, its thresholds)."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def is_frozen(obj: object) -> bool:
    # gc.get_objects() lists the three generations, not the permanent one.
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


def test_gc_tune_freezes_live_objects_and_sets_thresholds(restore_gc):
    live = [Cycle()]

    frozen = gc_tune()

    assert is_frozen(live)
    # The count when it returned: frozen objects freed since (another thread's,
    # say) only lower it; none are added.
    assert 0 < gc.get_freeze_count() <= frozen
    assert gc.get_threshold() == GC_THRESHOLDS
    gc.unfreeze()
    assert not is_frozen(live)


def test_gc_tune_collects_garbage_instead_of_freezing_it(restore_gc):
    garbage = weakref.ref(Cycle())
    assert garbage() is not None  # a reference cycle: alive until collected

    gc_tune()

    assert garbage() is None


def test_gc_tune_does_not_hold_the_next_full_collection_back(restore_gc):
    full_collections = []

    def count(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            full_collections.append(info)

    frozen = gc_tune(thresholds=(100, 1, 0))
    gc.callbacks.append(count)
    try:
        # Far fewer than a quarter of the frozen objects: CPython would wait for
        # that many if it still counted the frozen ones as long-lived.
        kept = [[i] for i in range(5_000)]
    finally:
        gc.callbacks.remove(count)

    assert frozen > 4 * len(kept)
    assert full_collections


def test_gc_tune_again_freezes_only_what_is_new(restore_gc):
    first = gc_tune()
    later = [Cycle() for _ in range(100)]

    again = gc_tune(thresholds=(1000, 5, 5))

    assert is_frozen(later)
    assert again >= first + len(later)
    assert gc.get_threshold() == (1000, 5, 5)


def load_config(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_gunicorn_config_is_accepted_by_gunicorn(monkeypatch):
    settings = load_config(monkeypatch)
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validation

    assert config.preload_app is True
    assert config.timeout == 120
    assert config.address == [("127.0.0.1", 8000)]
    assert config.workers == 2 * os.cpu_count() + 1
    assert config.accesslog is None


def test_gunicorn_config_reads_the_environment(monkeypatch):
    settings = load_config(
        monkeypatch,
        GUNICORN_BIND="0.0.0.0:9000",
        WEB_CONCURRENCY="3",
        GUNICORN_TIMEOUT="30",
        GUNICORN_ACCESS_LOG="-",
    )

    assert settings["bind"] == ["0.0.0.0:9000"]
    assert settings["workers"] == 3
    assert settings["timeout"] == 30
    assert settings["accesslog"] == "-"


@pytest.fixture
def tune_calls(monkeypatch):
    """Calls of gc_tune made through the hooks (the real one is not run)."""
    calls: list[int] = []
    monkeypatch.setattr(core.gc_tuning, "gc_tune", lambda: calls.append(1) or 123)
    return calls


def fake(*, preload: bool) -> SimpleNamespace:
    logged: list[str] = []
    log = SimpleNamespace(info=lambda msg, *args: logged.append(msg % args))
    cfg = SimpleNamespace(preload_app=preload)
    return SimpleNamespace(cfg=cfg, log=log, logged=logged)


@pytest.mark.parametrize(("preload", "master", "worker"), [(True, 1, 0), (False, 0, 1)])
def test_gunicorn_hooks_tune_once_in_master_or_worker(
    monkeypatch, tune_calls, preload, master, worker
):
    settings = load_config(monkeypatch)
    server, worker_ = fake(preload=preload), fake(preload=preload)

    settings["when_ready"](server)
    assert len(tune_calls) == master
    settings["post_worker_init"](worker_)
    assert len(tune_calls) == master + worker

    tuned = server if preload else worker_
    assert tuned.logged == ["Garbage collector tuned: 123 objects frozen."]
