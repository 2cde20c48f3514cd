"""The end of a run: its last phase recorded, ``status`` and ``status.json`` agreeing, whatever ended it.

A run can end because its steps ended, because it was terminated or interrupted, or because
the engine itself failed: a bug, no memory left, a full disk. In every case the unfinished
nodes end and both records say how the run ended. When recording fails (the disk is full, or
memory ran out), the engine's own state is dropped, the run's reserved room is given up, step
records are no longer written, and the end is recorded again.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from dflow_jupyter.engine.recorder import Recorder
from dflow_jupyter.run_records import DiskFullError, is_disk_full
from dflow_jupyter.status.phase import WorkflowPhase

__all__ = ["engine_error_message", "settle"]


def engine_error_message(exc: BaseException) -> str:
    """The workflow message for an exception that ended the engine's run."""
    if isinstance(exc, DiskFullError):
        return str(exc)
    if is_disk_full(exc):
        where = getattr(exc, "filename", None)
        return f"no space left on the device holding {where or 'the run records'}: {exc}"
    if isinstance(exc, MemoryError):
        return "engine error: out of memory (MemoryError); the workflow's state was too large"
    return f"engine error: {type(exc).__name__}: {exc}"


def settle(
    recorder: Recorder,
    phase: WorkflowPhase,
    message: str | None,
    *,
    abandon: str | None = None,
    free: Callable[[], None] | None = None,
) -> None:
    """Record the end of the run: unfinished nodes end Failed, then the workflow ``phase``.

    Parameters
    ----------
    abandon
        The message of nodes that had not finished (None: every node has finished).
    free
        Drops the engine's state of the run, so that a run that ran out of memory can record
        its end.
    """
    try:
        if abandon is not None:
            recorder.abandon(abandon)
        recorder.set_phase(phase, message)
        return
    except (OSError, MemoryError) as exc:
        first = exc
    if free is not None:
        free()
    gc.collect()
    recorder.degrade()
    if abandon is not None:
        recorder.abandon(abandon)
    del first  # its traceback holds the frames being freed
    # May still fail (no room even for status.json): both records then keep their last content.
    recorder.set_phase(phase, message)
