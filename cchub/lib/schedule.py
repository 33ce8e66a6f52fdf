"""Periodic background work: apps register a task and an interval; ``cchub worker`` runs
a small scheduler thread that enqueues each task when it is due (the worker then runs it
like any other task). Periodic tasks must be idempotent: two workers may both enqueue."""

from __future__ import annotations

import importlib
import logging
import threading
import time

log = logging.getLogger(__name__)
PERIODIC: dict[str, float] = {}  # "module.task_name" -> seconds between runs


def every(seconds: float, task_path: str) -> None:
    PERIODIC[task_path] = seconds


def _task(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run_due(last: dict[str, float], now: float) -> list[str]:
    """Enqueue the tasks whose interval has passed; return their names."""
    started = []
    for path, seconds in PERIODIC.items():
        if now - last.get(path, float("-inf")) >= seconds:
            last[path] = now
            try:
                _task(path).enqueue()  # type: ignore[attr-defined]
                started.append(path)
            except Exception:  # a broken task must not stop the scheduler
                log.exception("could not enqueue %s", path)
    return started


def start(stop: threading.Event, tick: float = 5.0) -> threading.Thread:
    def loop() -> None:
        from django.db import close_old_connections

        last: dict[str, float] = {}
        while not stop.is_set():
            run_due(last, time.monotonic())
            close_old_connections()
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="cchub-scheduler", daemon=True)
    thread.start()
    return thread
