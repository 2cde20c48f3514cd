"""Throttled flushing off the engine's threads, with sends that reach the browser on ipykernel 6 and 7.

Engine events only :meth:`Pump.poke` (a flag test, rarely a notify). A helper thread, started
on demand and gone when idle, runs the work at most once per ``interval``; the work computes
(graph, layout, states) on that thread, then hands what to send to :meth:`Pump.deliver`.

Where sends happen matters: widgets updated from a background thread broke with ipykernel 7
(ipywidgets issues 4001 and 4020), so sends are scheduled on the kernel's IO loop when there is
one. While a cell runs (an in-process workflow, or ``wf.wait()``) that loop is blocked until the
cell ends, and the running step must still show: a send the loop has not taken within
``2 * interval`` is made from the helper thread instead, with the kernel's parent header set
for that thread. Without a kernel (plain Python, tests) sends happen right away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Pump", "kernel_loop"]

_log = logging.getLogger("dflow_jupyter")
#: Seconds an idle helper thread waits for work before it ends.
IDLE_EXIT = 5.0


def kernel_loop() -> tuple[Any, Any, Any]:
    """The IPython shell, its kernel's IO loop and the current parent header (or Nones)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None, None, None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    loop = getattr(kernel, "io_loop", None)
    if loop is None or not hasattr(loop, "add_callback"):
        return shell, None, None
    try:
        parent = shell.get_parent() if hasattr(shell, "get_parent") else None
    except Exception:
        parent = None
    return shell, loop, parent


class _Handoff:
    """One batch of sends, taken exactly once: by the kernel's loop or by the helper thread."""

    def __init__(self, send: Callable[[], None]) -> None:
        self.send = send
        self.done = threading.Event()
        self._taken = False
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._taken:
                return False
            self._taken = True
            return True


class Pump:
    """Run ``work`` at most once per ``interval`` seconds after :meth:`poke`.

    Parameters
    ----------
    work
        Computes and delivers an update (it calls :meth:`deliver` to send).
    interval
        Minimum seconds between two runs of ``work``.
    """

    def __init__(self, work: Callable[[], None], interval: float = 0.1) -> None:
        self.work = work
        self.interval = interval
        self.runs = 0
        self._cond = threading.Condition()
        self._pending = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._last = 0.0
        self._work_lock = threading.Lock()
        self._shell, self._loop, self._parent = kernel_loop()
        self._loop_busy = False
        self._parented: set[int] = set()

    # -- the hot path -------------------------------------------------------------------------
    def poke(self) -> None:
        """Ask for a run of ``work`` (cheap; called from the engine's threads)."""
        if self._pending:
            return
        with self._cond:
            if self._pending or self._closed:
                return
            self._pending = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dflow-widget", daemon=True)
                self._thread.start()
            else:
                self._cond.notify()

    # -- the helper thread --------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    if not self._cond.wait(IDLE_EXIT) and not self._pending:
                        self._thread = None
                        return
                if self._closed:
                    self._thread = None
                    return
                delay = self._last + self.interval - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                self._pending = False  # what arrives from now on asks for the next run
            self.run_now()

    def run_now(self) -> None:
        """Run ``work`` here and now (the final flush; tests)."""
        with self._work_lock:
            self._last = time.monotonic()
            self.runs += 1
            try:
                self.work()
            except Exception:
                _log.exception("the workflow widget failed to update")

    def close(self) -> None:
        """Stop the helper thread (pending work is dropped)."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False

    # -- sending ------------------------------------------------------------------------------
    def deliver(self, send: Callable[[], None]) -> None:
        """Call ``send`` on the kernel's loop if it is free, else here (see the module docstring)."""
        if self._loop is None or threading.current_thread() is threading.main_thread():
            send()
            return
        if self._loop_busy:
            self._send_here(send)
            return
        handoff = _Handoff(send)
        self._loop_busy = True  # until the loop runs our callback
        self._loop.add_callback(self._on_loop, handoff)
        if handoff.done.wait(2 * self.interval):
            return
        if handoff.take():
            self._send_here(send)
        else:  # the loop took it just now: let it finish, so sends stay in order
            handoff.done.wait()

    def _on_loop(self, handoff: _Handoff) -> None:
        self._loop_busy = False
        if handoff.take():
            try:
                handoff.send()
            finally:
                handoff.done.set()

    def _send_here(self, send: Callable[[], None]) -> None:
        ident = threading.get_ident()
        if ident not in self._parented and self._parent is not None:
            # ipykernel >= 7: route this thread's messages to the cell that made the widget.
            setter = getattr(self._shell, "set_thread_parent", None)
            if setter is not None:
                try:
                    setter(self._parent)
                except Exception:
                    pass
            self._parented.add(ident)
        send()
