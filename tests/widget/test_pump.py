"""The pump: throttled runs off the engine's threads; sends on the kernel's loop, or here if it is busy."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from dflow_jupyter.widget import pump as pump_module
from dflow_jupyter.widget.pump import Pump


def _wait(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition()


def test_pokes_from_many_threads_run_the_work_at_most_once_per_interval() -> None:
    runs: list[float] = []
    pump = Pump(lambda: runs.append(time.monotonic()), interval=0.1)
    stop = time.monotonic() + 1.0

    def poke() -> None:
        while time.monotonic() < stop:
            pump.poke()

    threads = [threading.Thread(target=poke) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _wait(lambda: not pump._pending)
    assert 5 <= len(runs) <= 13
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert min(gaps) >= 0.09


def test_a_poke_after_a_run_is_not_lost() -> None:
    runs: list[float] = []
    pump = Pump(lambda: runs.append(time.monotonic()), interval=0.2)
    pump.poke()
    _wait(lambda: len(runs) == 1)
    pump.poke()  # within the interval: runs once the interval is over
    _wait(lambda: len(runs) == 2)
    assert runs[1] - runs[0] >= 0.19


def test_an_idle_helper_thread_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pump_module, "IDLE_EXIT", 0.1)
    runs: list[int] = []
    pump = Pump(lambda: runs.append(1), interval=0.01)
    pump.poke()
    _wait(lambda: runs == [1])
    _wait(lambda: pump._thread is None)
    pump.poke()  # a new helper starts on demand
    _wait(lambda: runs == [1, 1])


class FakeLoop:
    """A kernel IO loop on its own thread, which a test can block (a cell is running)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.free = threading.Event()
        self.free.set()
        self.thread_ids: set[int] = set()
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add_callback(self, callback: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self.calls.append((callback, args))

    def _run(self) -> None:
        while not self._stop:
            self.free.wait()
            with self._lock:
                calls, self.calls = self.calls, []
            for callback, args in calls:
                self.thread_ids.add(threading.get_ident())
                callback(*args)
            time.sleep(0.005)

    def close(self) -> None:
        self._stop = True
        self.free.set()


def test_sends_go_through_a_free_loop_and_around_a_busy_one() -> None:
    loop = FakeLoop()
    sent: list[tuple[int, int]] = []
    pump = Pump(lambda: None, interval=0.05)
    pump._loop = loop
    helper = threading.Thread(
        target=lambda: [pump.deliver(lambda i=i: sent.append((i, threading.get_ident()))) for i in range(3)]
    )
    helper.start()
    helper.join()
    assert [i for i, _ in sent] == [0, 1, 2] and {t for _, t in sent} == loop.thread_ids
    loop.free.clear()  # a cell runs: the loop takes nothing
    started = time.monotonic()
    here = threading.Thread(
        target=lambda: [
            pump.deliver(lambda i=i: sent.append((i, threading.get_ident()))) for i in range(3, 6)
        ]
    )
    here.start()
    here.join()
    assert [i for i, _ in sent] == [0, 1, 2, 3, 4, 5]
    assert time.monotonic() - started < 0.5  # one wait for the loop, then straight sends
    assert not {t for i, t in sent if i >= 3} & loop.thread_ids
    loop.free.set()  # the cell ended: the loop runs the old callback, which sends nothing twice
    _wait(lambda: not pump._loop_busy)
    assert len(sent) == 6
    loop.close()
