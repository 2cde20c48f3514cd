"""Process isolation: a warm pool of worker processes that run Python OPs in parallel.

Each OP runs in its own process, in its step's working directory, so parallel steps never share
a working directory and the caller's never changes; an OP that crashes its interpreter (a
segfault, ``os._exit``) fails only its own step, and the pool replaces the worker. OPs travel
by cloudpickle, so classes and functions defined in a notebook work.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.echo import echo_step_log
from dflow_jupyter.engine.pod_spec import PodOutcome, PodSpec
from dflow_jupyter.engine.python_exec import TIMEOUT_MESSAGE, ExecOutcome
from dflow_jupyter.engine.python_op import finish_python, prepare_python_inputs
from dflow_jupyter.status.wire import ParameterTypeError


class _Worker:
    def __init__(self) -> None:
        # The worker must import this very copy of dflow_jupyter, installed or not.
        package_root = str(Path(__file__).resolve().parents[2])
        python_path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": python_path}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dflow_jupyter.engine.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env=env,
            bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.fd = self.process.stdout.fileno()
        # Non-blocking: a process the OP forked in C may hold the pipe after the worker died,
        # so its end is seen on the process itself (``pidfd``), and a read must never wait.
        os.set_blocking(self.fd, False)
        try:
            self.pidfd: int | None = os.pidfd_open(self.process.pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self.buffer = b""
        self.job: PoolPythonJob | None = None
        #: Keys of the OPs this worker has been sent already.
        self.known_ops: set[str] = set()
        self.send({"type": "setup", "sys_path": list(sys.path)})

    def send(self, message: Any) -> None:
        import cloudpickle

        payload = cloudpickle.dumps(message)
        self.stdin.write(struct.pack(">I", len(payload)) + payload)
        self.stdin.flush()

    def read_available(self) -> list[Any] | None:
        """Frames received so far; None once the worker has died."""
        import pickle

        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            if self.process.poll() is None:
                return []
            chunk = b""  # the worker ended; a process it forked may still hold the pipe
        if not chunk:
            return None
        self.buffer += chunk
        frames = []
        while len(self.buffer) >= 4:
            (size,) = struct.unpack(">I", self.buffer[:4])
            if len(self.buffer) < 4 + size:
                break
            frames.append(pickle.loads(self.buffer[4 : 4 + size]))
            self.buffer = self.buffer[4 + size :]
        return frames

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self.close()

    def wait_objects(self) -> tuple[int, ...]:
        """What becomes ready when the worker sends a frame or ends."""
        return (self.fd,) if self.pidfd is None else (self.fd, self.pidfd)

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class WorkerPool:
    """A fixed number of warm workers and a queue of jobs waiting for one."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.capacity = self.size
        self.workers: list[_Worker] = []
        self.queue: deque[PoolPythonJob] = deque()
        self.lock = threading.RLock()

    def submit(self, job: PoolPythonJob) -> None:
        with self.lock:
            self.queue.append(job)
            self._dispatch()

    def _dispatch(self) -> None:
        while self.queue:
            worker = next((w for w in self.workers if w.job is None), None)
            if worker is None:
                if len(self.workers) >= self.size:
                    return
                worker = _Worker()
                self.workers.append(worker)
            job = self.queue.popleft()
            worker.job = job
            job.assigned(worker)

    def pump(self) -> None:
        """Read whatever busy workers have sent; settle finished or dead jobs; dispatch more."""
        with self.lock:
            busy = [w for w in self.workers if w.job is not None]
            if not busy:
                self._dispatch()
                return
            readable, _, _ = select.select([w.fd for w in busy], [], [], 0)
            for worker in busy:
                if worker.fd not in readable and worker.process.poll() is None:
                    continue
                frames = worker.read_available()
                job = worker.job
                assert job is not None
                if frames is None:
                    code = worker.process.wait()
                    worker.close()
                    self.workers.remove(worker)
                    job.died(code)
                    continue
                for frame in frames:
                    if frame.get("type") == "progress":
                        if job.spec.progress is not None:
                            job.spec.progress(frame["current"], frame["total"])
                    else:
                        worker.job = None
                        job.completed(frame)
            self._dispatch()

    def discard(self, worker: _Worker) -> None:
        with self.lock:
            worker.kill()
            if worker in self.workers:
                self.workers.remove(worker)
            self._dispatch()

    def any_busy_fd(self) -> tuple[int, ...] | None:
        for worker in self.workers:
            if worker.job is not None:
                return worker.wait_objects()
        return None

    def shutdown(self) -> None:
        with self.lock:
            for worker in self.workers:
                try:
                    worker.stdin.close()
                except OSError:
                    pass
            deadline = time.monotonic() + 1.0
            for worker in self.workers:
                try:
                    worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    worker.kill()
                worker.close()
            self.workers.clear()


_shared: WorkerPool | None = None


def shared_pool() -> WorkerPool:
    """The process-wide warm pool (``config["debug_pool_workers"]`` workers, default: CPUs)."""
    global _shared
    if _shared is None:
        from dflow_jupyter.config import config

        size = config.get("debug_pool_workers") or os.cpu_count() or 2
        _shared = WorkerPool(size if size > 0 else (os.cpu_count() or 2))
        atexit.register(_shared.shutdown)
    return _shared


class PoolPythonJob:
    """A Python OP run by a pool worker (the scheduler's asynchronous job)."""

    is_async = True

    def __init__(self, spec: PodSpec, pool: WorkerPool) -> None:
        self.spec = spec
        self.pool = pool
        #: The scheduler starts no more of these than the pool has workers.
        self.resource = pool
        self.worker: _Worker | None = None
        self.result: PodOutcome | None = None
        #: Set by the scheduler that waits for this job: called when another thread settles it.
        self.notify: Callable[[], None] | None = None
        self._deadline: float | None = None
        self._fingerprints: list[Any] = []

    def start(self) -> None:
        spec = self.spec
        try:
            prepared = prepare_python_inputs(spec)
        except (ParameterTypeError, OSError, ValueError, TypeError, KeyError) as exc:
            self.result = PodOutcome("Failed", 1, str(exc))
            return
        self._inputs = [op_in for op_in, _ in prepared]
        self._fingerprints = [p for _, prints in prepared for p in prints]
        self.pool.submit(self)

    def assigned(self, worker: _Worker) -> None:
        self.worker = worker
        spec = self.spec
        template = spec.template
        # A token, not id(): a template of a later run may reuse a freed id in a warm worker.
        key = template.__dict__.setdefault("_pool_token", uuid.uuid4().hex)
        first = key not in worker.known_ops
        if first:
            worker.known_ops.add(key)
        worker.send(
            {
                "op_key": key,
                "op": (template.op if template.op is not None else template.op_class) if first else None,
                "op_is_class": template.op is None,
                "inputs": self._inputs,
                "key": spec.key,
                "workflow": spec.workflow,
                "workdir": str(spec.step_dir / "workdir"),
                "log_path": str(spec.step_dir / "log.txt"),
                "timeout": None,
            }
        )
        if spec.timeout is not None:
            self._deadline = time.monotonic() + spec.timeout
        # Assigned by another run's loop: the waiting loop must now wait on this worker.
        self._notify()

    def completed(self, frame: dict[str, Any]) -> None:
        self.worker = None
        if frame.get("type") == "crash":
            self.result = PodOutcome("Error", None, f"worker error: {frame.get('message')}")
        else:
            outcomes: list[ExecOutcome] = frame["outcomes"]
            self.result = finish_python(self.spec, outcomes, self._fingerprints)
            self._echo_log()
        self._notify()

    def _notify(self) -> None:
        if self.notify is not None:
            self.notify()

    def died(self, code: int) -> None:
        self.worker = None
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            message = f"the OP's process was killed by signal {name}"
        else:
            message = f"the OP's process exited abruptly with exit code {code}"
        self.result = PodOutcome("Failed", code if code > 0 else 128 - code, message)
        self._echo_log()
        self._notify()

    def _echo_log(self) -> None:
        # Capped, and read from its two ends: a 200 MB log never passes through memory whole.
        echo_step_log(self.spec, sys.stdout)

    # -- scheduler protocol ---------------------------------------------------------------------
    def wait_object(self) -> Any:
        if self.result is not None:
            return _ALWAYS_READY
        if self.worker is not None:
            return self.worker.wait_objects()
        busy = self.pool.any_busy_fd()
        return busy if busy is not None else _ALWAYS_READY

    def poll(self) -> tuple[bool, Any]:
        if self.result is None:
            self.pool.pump()
        return (self.result is not None), self.result

    def deadline(self) -> float | None:
        return self._deadline if self.result is None else None

    def on_deadline(self) -> None:
        self._deadline = None
        if self.worker is not None:
            worker, self.worker = self.worker, None
            worker.job = None
            self.pool.discard(worker)
            self.result = PodOutcome("Failed", None, TIMEOUT_MESSAGE)

    def kill(self, reason: str) -> None:
        if self.worker is not None:
            worker, self.worker = self.worker, None
            worker.job = None
            self.pool.discard(worker)
        elif self in self.pool.queue:
            self.pool.queue.remove(self)

    def run(self) -> Any:  # pragma: no cover - asynchronous job
        raise NotImplementedError


class _AlwaysReady:
    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.write(self._w, b"x")

    def fileno(self) -> int:
        return self._r


_ALWAYS_READY = _AlwaysReady()
