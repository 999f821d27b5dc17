"""A clock moved by hand, for code that reads `time.time()` through its
module's `time` name: patch that name with a `Clock` and move `now`."""

from __future__ import annotations

import time

import pytest


class Clock:
    """Stands in for the `time` module where only `time()` is read; `now`
    starts at the real time unless given and moves only when a test moves it."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def time(self) -> float:
        return self.now


def patch_clock(
    monkeypatch: pytest.MonkeyPatch, module: object, now: float | None = None
) -> Clock:
    """Replace `module.time` with a new `Clock` for the test's length."""
    clock = Clock(now)
    monkeypatch.setattr(module, "time", clock)
    return clock
