"""Run one Python OP's ``execute`` in a working directory, with its log, timeout and exit code.

Shared by the in-process backend (the calling thread) and the worker processes of process
isolation. Exit codes follow dflow's OP runner on Argo: ``TransientError`` -> 1,
``FatalError`` -> 2, any other exception -> 1 (an uncaught exception ends ``python3`` with 1),
a timeout -> no exit code (the pod is killed at its deadline).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from dflow_jupyter.engine.echo import CappedEcho
from dflow_jupyter.status.phase import Phase

TIMEOUT_MESSAGE = "Pod was active on the node longer than the specified deadline"


class OPTimeout(BaseException):
    """Raised inside an OP at its deadline (a BaseException so ``except Exception`` can't hide it)."""


@dataclass
class ExecOutcome:
    phase: Phase
    exit_code: int | None
    message: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    #: The exception object when it ran in this process (for post-mortem debugging).
    exception: BaseException | None = None


class _Tee(io.TextIOBase):
    """Write to the notebook (the original stream, through the step's capped echo) and its log.

    Only the OP's output goes to its log: what threads that were already running when the OP
    started write (the kernel's own, another workflow's engine) goes to the original stream
    alone. Threads the OP starts itself write to the log.
    """

    def __init__(
        self, original: TextIO, log: TextIO, echo: CappedEcho | None, foreign: frozenset[int]
    ) -> None:
        self._original, self._log, self._echo = original, log, echo
        self._foreign = foreign
        self._echoed = False

    def write(self, text: str) -> int:
        if threading.get_ident() in self._foreign:
            return self._original.write(text)
        self._log.write(text)
        if self._echo is not None:
            self._echoed = True
            self._echo.write(self._original, text)
        return len(text)

    def flush(self) -> None:
        self._log.flush()
        # Only when this step wrote there: a tee is flushed when it is dropped (IOBase closes
        # it), and in a kernel each flush of its stdout is a round trip through the IOPub
        # thread (0.2 ms): two per step of a 10,000-item fan-out added a fifth to the run.
        if self._echoed:
            self._original.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


class _LazyLog:
    """The step's log file, created on the first write (most OPs print nothing).

    The log is a record, not part of the OP: once it cannot be written (a full disk), further
    output only reaches the notebook, and the OP's own outcome is unchanged.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: TextIO | None = None
        self.broken: OSError | None = None

    def write(self, text: str) -> int:
        if self.broken is not None:
            return len(text)
        try:
            if self._handle is None:
                self._handle = open(self._path, "a", encoding="utf-8")  # noqa: SIM115
            return self._handle.write(text)
        except OSError as exc:
            self._give_up(exc)
            return len(text)

    def flush(self) -> None:
        if self._handle is not None and self.broken is None:
            try:
                self._handle.flush()
            except OSError as exc:
                self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        self.broken = exc
        if self._handle is not None:
            try:
                self._handle.close()
            except OSError:
                pass  # its buffer cannot be written either

    def __enter__(self) -> _LazyLog:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None and self.broken is None:
            try:
                self._handle.close()
            except OSError as error:
                self.broken = error


@contextlib.contextmanager
def captured_output(log: TextIO, echo: CappedEcho | None) -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    me = threading.get_ident()
    foreign = frozenset(t.ident for t in threading.enumerate() if t.ident is not None and t.ident != me)
    sys.stdout = _Tee(out, log, echo, foreign)  # type: ignore[assignment]
    sys.stderr = _Tee(err, log, echo, foreign)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
        if echo is not None:
            echo.finish()


@contextlib.contextmanager
def working_directory(path: Path, previous: str | None = None) -> Iterator[None]:
    """Run in ``path``, then return to ``previous`` (default: the current directory)."""
    previous = previous or os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise ``OPTimeout`` in this thread after ``seconds`` (SIGALRM in the main thread)."""
    if seconds is None:
        yield
        return
    if threading.current_thread() is threading.main_thread():

        def on_alarm(signum: int, frame: Any) -> None:
            raise OPTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    # Elsewhere, inject the exception into this thread asynchronously (checked between bytecodes).
    target = threading.get_ident()
    fired = threading.Event()
    state = threading.Lock()
    over = False

    def fire() -> None:
        with state:  # never inject once the block is over: the thread runs engine code by then
            if over:
                return
            fired.set()
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(OPTimeout))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with state:
            over = True
        timer.cancel()
        if fired.is_set():  # the exception may still be pending: clear it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)


def run_op(
    op: Any,
    op_in: dict[str, Any],
    *,
    workdir: Path,
    log_path: Path,
    timeout: float | None,
    echo: bool | CappedEcho,
    check: Callable[[dict[str, Any], str], None] | None = None,
    caller_cwd: str | None = None,
) -> ExecOutcome:
    """Execute ``op`` on ``op_in`` in ``workdir``; never raises for errors of the OP itself.

    ``echo``: where else the OP's output goes besides ``log_path``: ``True`` to this process's
    ``sys.stdout``/``sys.stderr`` whole, a :class:`CappedEcho` there capped, ``False`` nowhere.
    """
    from dflow_jupyter.python.errors import FatalError, TransientError
    from dflow_jupyter.python.opio import OPIO

    capped = CappedEcho(None, "") if echo is True else echo or None
    with _LazyLog(log_path) as log, captured_output(log, capped):  # type: ignore[arg-type]
        try:
            with working_directory(workdir, caller_cwd), deadline(timeout):
                if check is not None:
                    check(op_in, "input")
                result = op.execute(OPIO(op_in))
                outputs = dict(result) if result is not None else {}
                merged = {**getattr(op, "_early_outputs", {}), **outputs}
                if check is not None:
                    check(merged, "output")
            return ExecOutcome("Succeeded", 0, outputs=merged)
        except OPTimeout:
            print(f"timeout: the OP ran longer than {timeout:g} s", file=sys.stderr)
            return ExecOutcome(
                "Failed",
                None,
                TIMEOUT_MESSAGE,
                dict(getattr(op, "_early_outputs", {})),
            )
        except TransientError as exc:
            traceback.print_exc()
            return _failed(op, 1, exc)
        except FatalError as exc:
            traceback.print_exc()
            return _failed(op, 2, exc)
        except Exception as exc:
            traceback.print_exc()
            return _failed(op, 1, exc, workdir)
        except SystemExit as exc:
            # An OP ends its own step, not the kernel or the engine: on Argo, sys.exit() in an OP
            # ends the pod's python3 with that status, and the step fails without its outputs.
            return _exited(op, exc)


def _exited(op: Any, exc: SystemExit) -> ExecOutcome:
    code = exc.code
    # Python's own rule for the process status: None is 0, an int is itself, anything else 1.
    status = 0 if code is None else code & 0xFF if isinstance(code, int) else 1
    print(f"the OP called sys.exit({code!r}); its step fails with exit code {status}", file=sys.stderr)
    return ExecOutcome(
        "Failed",
        status,
        f"the OP called sys.exit({code!r}) (exit code {status}); an OP must return its outputs "
        "or raise an exception, not exit",
        dict(getattr(op, "_early_outputs", {})),
        exception=exc,
    )


def _failed(op: Any, code: int, exc: BaseException, workdir: Path | None = None) -> ExecOutcome:
    text = str(exc).strip().splitlines()
    detail = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        named = exc.filename if isinstance(exc.filename, str) and os.path.isabs(exc.filename) else None
        where = os.path.dirname(named) if named else workdir
        detail += f" (the disk holding {where or 'its working directory'} is full)"
    return ExecOutcome(
        "Failed",
        code,
        f"{detail} (exit code {code})",
        dict(getattr(op, "_early_outputs", {})),
        exception=exc,
    )
