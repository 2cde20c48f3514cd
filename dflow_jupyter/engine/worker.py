"""A warm worker process of process isolation: runs Python OPs sent by the engine.

Started as ``python -m dflow_jupyter.engine.worker``. Frames on stdin/stdout are a 4-byte
big-endian length and a cloudpickle payload; the OP's own output (Python and C level, and
that of its subprocesses) goes to the step's log file, never into the frame channel.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from pathlib import Path
from typing import Any, BinaryIO


def read_frame(stream: BinaryIO) -> Any | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    payload = stream.read(size)
    return pickle.loads(payload)


def write_frame(stream: BinaryIO, message: Any) -> None:
    import cloudpickle

    payload = cloudpickle.dumps(message)
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


#: OP prototypes by the engine's key: an OP is sent once per worker, not once per step.
_known_ops: dict[Any, tuple[Any, bool]] = {}


def _new_op(job: dict[str, Any]) -> Any:
    import copy

    if job.get("op") is not None:
        _known_ops[job["op_key"]] = (job["op"], job["op_is_class"])
    prototype, is_class = _known_ops[job["op_key"]]
    return prototype() if is_class else copy.copy(prototype)


def _run_job(job: dict[str, Any], channel: BinaryIO) -> dict[str, Any]:
    from dflow_jupyter.engine.python_exec import run_op
    from dflow_jupyter.python.typecheck import check_opio

    op = _new_op(job)
    op_class = type(op)

    def check(values: dict[str, Any], direction: str) -> None:
        sign = op_class.get_input_sign() if direction == "input" else op_class.get_output_sign()
        check_opio(sign, values, op_name=op_class.__name__, direction=direction)  # type: ignore[arg-type]

    worker = os.getpid()

    def progress(current: int, total: int) -> None:
        if os.getpid() == worker:  # a forked child's channel is /dev/null anyway
            write_frame(channel, {"type": "progress", "current": current, "total": total})

    object.__setattr__(op, "_progress_hook", progress)
    op.key, op.workflow_name = job["key"], job["workflow"]
    outcomes = []
    log_path = Path(job["log_path"])
    Path(job["workdir"]).mkdir(parents=True, exist_ok=True)
    for op_in in job["inputs"]:
        if hasattr(op, "_early_outputs"):
            op._early_outputs = {}
        outcome = run_op(
            op,
            op_in,
            workdir=Path(job["workdir"]),
            log_path=log_path,
            timeout=job["timeout"],
            echo=False,
            check=check,
        )
        outcome.exception = None  # may not pickle; the message and log carry it
        outcomes.append(outcome)
        if outcome.phase != "Succeeded":
            break
    return {"type": "done", "outcomes": outcomes}


def _append_captured(scratch: int, log_path: str) -> None:
    """Move what the OP wrote to fd 1/2 (C code, subprocesses) into the step's log, if anything."""
    size = os.lseek(scratch, 0, os.SEEK_END)
    if size:
        os.lseek(scratch, 0, os.SEEK_SET)
        data = os.read(scratch, size)
        try:
            with open(log_path, "ab") as log:
                log.write(data)
        except OSError:
            pass  # a full disk: the log is a record, the step's outcome stands
    os.ftruncate(scratch, 0)
    os.lseek(scratch, 0, os.SEEK_SET)


def _die_with_parent() -> None:
    """End this worker when the engine's *process* ends, so no OP runs on as an orphan.

    ``PR_SET_PDEATHSIG`` would fire when the *thread* that started the worker exits (a detached
    run's thread), killing workers the pool still uses; a watcher thread waits on the parent
    process itself instead (a pidfd where the kernel has them, else polling its pid).
    """
    import threading

    parent = os.getppid()

    def watch() -> None:
        import select
        import time

        try:
            fd = os.pidfd_open(parent)
        except (AttributeError, OSError):
            while os.getppid() == parent:
                time.sleep(0.2)
        else:
            select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


class _ProcessState:
    """What one OP may change in its process and the next must not inherit (a warm worker).

    The environment, ``sys.path``, the umask and the working directory are put back after
    every job, as a fresh pod would start with them.
    """

    def __init__(self) -> None:
        self.environ = dict(os.environ)
        self.path = list(sys.path)
        self.cwd = os.getcwd()
        self.umask = os.umask(0)
        os.umask(self.umask)

    def restore(self) -> None:
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        sys.path[:] = self.path
        os.umask(self.umask)
        try:
            os.chdir(self.cwd)
        except OSError:  # the OP removed it
            os.chdir("/")


def _private_channels(*fds: int) -> None:
    """Keep the engine's pipes out of processes an OP forks (``os.fork``, multiprocessing).

    A forked child inherits every descriptor: one that holds the result pipe keeps the engine
    from seeing the worker's end (and could write frames into it); one that holds the command
    pipe could read jobs. In the child they are pointed at ``/dev/null`` instead.
    """
    worker = os.getpid()

    def in_child() -> None:
        if os.getpid() == worker:  # pragma: no cover - only ever called in a child
            return
        null = os.open(os.devnull, os.O_RDWR)
        for fd in fds:
            try:
                os.dup2(null, fd, inheritable=fd < 3)
            except OSError:
                pass
        os.close(null)

    os.register_at_fork(after_in_child=in_child)


def main() -> None:
    import tempfile

    _die_with_parent()
    # Keep the frame channel private: fd 1 and 2 point at a scratch file while an OP runs,
    # and what lands there is appended to the step's log (most steps write nothing to it, so
    # no log file is created for them).
    channel = os.fdopen(os.dup(1), "wb")
    commands = sys.stdin.buffer
    scratch = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
    scratch_fd = scratch.fileno()
    saved_err = os.dup(2)
    os.dup2(scratch_fd, 1)
    _private_channels(channel.fileno(), commands.fileno())
    worker = os.getpid()
    while True:
        job = read_frame(commands)
        if job is None:
            return
        if job.get("type") == "setup":
            sys.path[:] = job["sys_path"]
            continue
        state = _ProcessState()
        os.dup2(scratch_fd, 2)
        try:
            result = _run_job(job, channel)
        except BaseException as exc:
            result = {"type": "crash", "message": f"{type(exc).__name__}: {exc}"}
        finally:
            if os.getpid() != worker:
                # A child the OP forked returned through the OP's frames: it is not the worker.
                os._exit(0)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_err, 2)
            _append_captured(scratch_fd, job["log_path"])
            state.restore()
        write_frame(channel, result)


if __name__ == "__main__":
    main()
