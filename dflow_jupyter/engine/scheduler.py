"""A small cooperative scheduler: workflow templates run as generators, leaf steps as jobs.

Each template invocation (a Steps, a DAG, a fan-out, a retry loop) is a generator that yields
requests: start a child (``Spawn``), wait for children (``WaitAny``/``WaitAll``) or run a leaf
step (``RunJob``). The scheduler drives them from one loop, so a recursion 10,000 levels deep
costs no Python stack, parallel branches interleave without threads, and in-process Python OPs
run one at a time in the calling thread (where breakpoints and post-mortem debugging work)
while subprocess and worker-pool jobs run concurrently.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for_ready
from typing import Any, Protocol

from dflow_jupyter.engine.exclusive import released

Coroutine = Generator[Any, Any, Any]


class Job(Protocol):
    """A leaf step run. Synchronous jobs run inline; asynchronous ones are polled."""

    is_async: bool

    def run(self) -> Any: ...  # synchronous jobs

    def start(self) -> None: ...  # asynchronous jobs

    def wait_object(self) -> Any: ...  # what multiprocessing.connection.wait accepts, or a tuple of them

    def poll(self) -> tuple[bool, Any]: ...  # (finished, result)

    def deadline(self) -> float | None: ...  # monotonic time at which on_deadline() is due

    def on_deadline(self) -> None: ...

    def kill(self, reason: str) -> None: ...


@dataclass
class Spawn:
    coroutine: Coroutine


@dataclass
class WaitAny:
    handles: list[Handle]


@dataclass
class WaitAll:
    handles: list[Handle]


@dataclass
class RunJob:
    job: Job


@dataclass(eq=False)
class Semaphore:
    """Bounds how many pods run at once inside a template (Argo's ``parallelism``)."""

    limit: int
    used: int = 0
    waiting: deque[Any] = field(default_factory=deque)


@dataclass
class Acquire:
    semaphore: Semaphore


@dataclass(eq=False)
class Handle:
    """A spawned coroutine: its result once done (or the exception that ended it)."""

    coroutine: Coroutine
    done: bool = False
    result: Any = None
    error: BaseException | None = None
    waiters: list[Any] = field(default_factory=list)
    #: How many children of the ``WaitAll`` this coroutine is blocked in are still running.
    pending: int = 0
    #: The handles of the ``WaitAny`` this coroutine is blocked in, if any.
    waiting_on: list[Handle] | None = None


def _gathered(group: list[Handle]) -> tuple[list[Any] | None, BaseException | None]:
    """What a ``WaitAll`` resumes its waiter with: the results, or the first child's error.

    A child that raised has no result: the waiter gets its exception thrown in rather than a
    ``None`` in its place, so the real error (not a later ``AttributeError``) reaches the step.
    """
    error = next((h.error for h in group if h.error is not None), None)
    if error is not None:
        return None, error
    return [h.result for h in group], None


class Terminated(Exception):
    """Raised out of ``Scheduler.run`` when the run was terminated."""


class Scheduler:
    """Drive coroutines to completion; at most ``max_jobs`` asynchronous jobs at a time."""

    def __init__(self, max_jobs: int | None = None, lock: threading.RLock | None = None) -> None:
        self.ready: deque[tuple[Handle, Any, BaseException | None]] = deque()
        self.running: dict[int, tuple[Job, Handle]] = {}
        #: Jobs waiting for room, one queue per resource (None: only ``max_jobs`` limits them),
        #: so that a finished job wakes the head of one queue instead of a scan of all.
        self.queued_jobs: dict[int | None, deque[tuple[Job, Handle]]] = {}
        self.max_jobs = max_jobs
        #: Held by the caller while it drives coroutines; given up while waiting for jobs.
        self.lock = lock
        self.terminate_reason: str | None = None
        self._in_use: dict[int, int] = {}
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._closed = False
        #: Called while the loop waits for jobs (the run's held-back snapshot); it returns the
        #: seconds until it wants to be called again, or None.
        self.idle: Callable[[], float | None] | None = None

    def forget(self) -> None:
        """Drop every coroutine and job of the run (its memory, after the run failed)."""
        self._kill_all("the run ended")
        self.ready.clear()
        self.queued_jobs.clear()

    def close(self) -> None:
        self._closed = True  # the descriptors may be reused from now on: wake() must not write
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- control from other threads -----------------------------------------------------------
    def request_terminate(self, reason: str) -> None:
        self.terminate_reason = reason
        self.wake()

    def wake(self) -> None:
        """Make the loop look at its jobs again (one finished, settled by another thread)."""
        if self._closed:
            return
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # -- main loop ----------------------------------------------------------------------------
    def run(self, main: Coroutine) -> Any:
        root = Handle(main)
        self.ready.append((root, None, None))
        try:
            while not root.done:
                if self.terminate_reason is not None:
                    raise Terminated(self.terminate_reason)
                if self.ready:
                    self._step(*self.ready.popleft())
                elif self.running:
                    self._wait_jobs()
                else:  # pragma: no cover - a bug in a template coroutine
                    raise RuntimeError("workflow engine deadlock: nothing ready and nothing running")
        except BaseException as exc:
            self._kill_all(str(exc) or type(exc).__name__)
            raise
        if root.error is not None:
            raise root.error
        return root.result

    def _kill_all(self, reason: str) -> None:
        for job, _ in list(self.running.values()):
            if hasattr(job, "notify"):
                job.notify = None
            try:
                job.kill(reason)
            except Exception:
                pass
        self.running.clear()

    def _step(self, handle: Handle, value: Any, error: BaseException | None) -> None:
        try:
            if error is not None:
                request = handle.coroutine.throw(error)
            else:
                request = handle.coroutine.send(value)
        except StopIteration as stop:
            self._finish(handle, stop.value, None)
            return
        except (KeyboardInterrupt, SystemExit, Terminated):
            raise
        except BaseException as exc:
            self._finish(handle, None, exc)
            return
        self._dispatch(handle, request)

    def _dispatch(self, handle: Handle, request: Any) -> None:
        if isinstance(request, Spawn):
            child = Handle(request.coroutine)
            self.ready.append((child, None, None))
            self.ready.append((handle, child, None))
        elif isinstance(request, WaitAny):
            done = next((h for h in request.handles if h.done), None)
            if done is not None:
                self.ready.append((handle, done, None))
            elif not request.handles:
                self.ready.append((handle, None, None))
            else:
                group = request.handles
                handle.waiting_on = group
                for child in group:
                    child.waiters.append(("any", handle, group))
        elif isinstance(request, WaitAll):
            pending = [h for h in request.handles if not h.done]
            if not pending:
                self.ready.append((handle, *_gathered(request.handles)))
            else:
                # A countdown, not a scan per finished child: fan-outs have 10,000 children.
                handle.pending = len(pending)
                waiter = ("all", handle, request.handles)
                for child in pending:
                    child.waiters.append(waiter)
        elif isinstance(request, Acquire):
            sem = request.semaphore
            if sem.used < sem.limit:
                sem.used += 1
                self.ready.append((handle, None, None))
            else:
                sem.waiting.append(handle)
        elif isinstance(request, RunJob):
            job = request.job
            if not job.is_async:
                self._run_sync(handle, job)
            elif not self._has_room(job):
                resource = getattr(job, "resource", None)
                key = None if resource is None else id(resource)
                self.queued_jobs.setdefault(key, deque()).append((job, handle))
            else:
                self._start(job, handle)
        else:  # pragma: no cover - a bug in a template coroutine
            raise TypeError(f"unknown scheduler request {request!r}")

    def release(self, sem: Semaphore) -> None:
        """Give back a slot taken with ``Acquire``; the next waiter gets it."""
        if sem.waiting:
            self.ready.append((sem.waiting.popleft(), None, None))
        else:
            sem.used -= 1

    def _run_sync(self, handle: Handle, job: Job) -> None:
        try:
            result = job.run()
        except (KeyboardInterrupt, SystemExit, Terminated):
            raise
        except BaseException as exc:
            self.ready.append((handle, None, exc))
            return
        self.ready.append((handle, result, None))

    def _has_room(self, job: Job) -> bool:
        """Whether ``job`` may start now: under ``max_jobs`` and under its resource's capacity.

        A job may name a shared resource (``job.resource`` with a ``capacity``, e.g. the worker
        pool): starting more jobs than it can serve would only make every wake-up poll them all.
        """
        if self.max_jobs is not None and len(self.running) >= self.max_jobs:
            return False
        resource = getattr(job, "resource", None)
        if resource is None:
            return True
        return self._in_use.get(id(resource), 0) < resource.capacity

    def _start(self, job: Job, handle: Handle) -> None:
        if hasattr(job, "notify"):
            # A job of a shared resource (the worker pool) may be settled by another run's loop
            # while this one waits for it: that loop wakes this one.
            job.notify = self.wake
        try:
            job.start()
        except BaseException as exc:
            self.ready.append((handle, None, exc))
            return
        self.running[id(job)] = (job, handle)
        resource = getattr(job, "resource", None)
        if resource is not None:
            self._in_use[id(resource)] = self._in_use.get(id(resource), 0) + 1

    def _finish(self, handle: Handle, result: Any, error: BaseException | None) -> None:
        handle.done, handle.result, handle.error = True, result, error
        for kind, parent, group in handle.waiters:
            if kind == "any":
                # Only the group the parent waits on now: older groups' waiters are stale.
                if parent.waiting_on is not group:
                    continue
                parent.waiting_on = None
                self.ready.append((parent, handle, None))
            else:
                parent.pending -= 1
                if parent.pending == 0:
                    self.ready.append((parent, *_gathered(group)))
        handle.waiters.clear()

    def _wait_jobs(self) -> None:
        objects: dict[Any, list[tuple[Job, Handle]]] = {}
        deadline: float | None = None
        for job, handle in self.running.values():
            waited = job.wait_object()
            # A job may wait on several objects at once (a worker's pipe and its process).
            for obj in waited if isinstance(waited, tuple) else (waited,):
                objects.setdefault(obj, []).append((job, handle))
            due = job.deadline()
            if due is not None and (deadline is None or due < deadline):
                deadline = due
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        again = self.idle() if self.idle is not None else None
        if again is not None:
            timeout = again if timeout is None else min(timeout, again)
        with released(self.lock):
            ready = wait_for_ready([*objects, self._wake_r], timeout)
        if self._wake_r in ready:
            os.read(self._wake_r, 1024)
        now = time.monotonic()
        for job, handle in list(self.running.values()):
            due = job.deadline()
            if due is not None and due <= now:
                job.on_deadline()
            finished, result = job.poll()
            if finished:
                del self.running[id(job)]
                if hasattr(job, "notify"):
                    job.notify = None
                resource = getattr(job, "resource", None)
                if resource is not None:
                    self._in_use[id(resource)] -= 1
                self.ready.append((handle, result, None))
        for queue in self.queued_jobs.values():
            while queue and self._has_room(queue[0][0]):
                self._start(*queue.popleft())
