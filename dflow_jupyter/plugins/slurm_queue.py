"""One ``squeue`` for every Slurm job this process follows, instead of one per job and poll.

A fan-out of many DispatcherExecutor steps follows many jobs at once; dpdispatcher asks Slurm
about each job separately, so twenty jobs polled twice a second cost forty ``squeue`` processes
a second on the submitting machine. Here the threads that follow jobs share one answer,
refreshed at most every ``min_age`` seconds, per place the jobs are submitted from.
"""

from __future__ import annotations

import shlex
import threading
import time
from typing import Any

from dflow_jupyter.plugins.scheduler_info import run

#: Slurm's compact states (``squeue %t``) a job waits or runs in; any other state is final.
WAITING = frozenset({"PD", "CF", "S", "RQ", "RH", "RF", "RS", "SO", "ST"})
RUNNING = frozenset({"R", "CG", "SI"})


class SlurmQueue:
    """The state and pending reason of the jobs followed through one submission place."""

    def __init__(self, min_age: float = 0.3) -> None:
        self.min_age = min_age
        self._lock = threading.Lock()
        self._watched: set[str] = set()
        self._rows: dict[str, tuple[str, str]] = {}
        self._taken = 0.0

    def watch(self, job_id: str) -> None:
        with self._lock:
            self._watched.add(job_id)
            self._taken = 0.0  # a new job: the next look must include it

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._watched.discard(job_id)
            self._rows.pop(job_id, None)

    def look(self, context: Any, job_id: str) -> tuple[str, str] | None:
        """``(state, reason)`` of ``job_id`` (``squeue -t all``), or None once Slurm forgot it.

        Raises
        ------
        RuntimeError
            When ``squeue`` itself fails (the controller is unreachable...).
        """
        with self._lock:
            if time.monotonic() - self._taken >= self.min_age or job_id not in self._rows:
                self._refresh(context)
            return self._rows.get(job_id)

    def update(self, machine: Any, job: Any) -> str:
        """Set a dpdispatcher ``job``'s (and its tasks') state; its pending reason while it waits."""
        from dpdispatcher.utils.job_status import JobStatus

        row = self.look(machine.context, str(job.job_id))
        code, reason = row if row is not None else ("", "")
        if code in WAITING:
            state = JobStatus.waiting
        elif code in RUNNING:
            state = JobStatus.running
        else:  # final, or forgotten: the finish tag tells success from the rest (as dpdispatcher)
            state = JobStatus.finished if machine.check_finish_tag(job) else JobStatus.terminated
        job.job_state = state
        for task in job.job_task_list:
            if task.task_state != JobStatus.finished:
                task.task_state = state
        return reason if state == JobStatus.waiting else ""

    def _refresh(self, context: Any) -> None:
        ids = ",".join(sorted(self._watched))
        if not ids:
            return
        code, out, err = run(context, f"squeue -h -t all -o '%i %t %r' -j {shlex.quote(ids)}")
        if code != 0 and "Invalid job id" not in err:
            raise RuntimeError(f"squeue failed: {err.strip() or f'exit code {code}'}")
        rows: dict[str, tuple[str, str]] = {}
        for line in out.splitlines():
            parts = line.split(None, 2)
            if len(parts) >= 2:
                rows[parts[0]] = (parts[1], parts[2].strip() if len(parts) > 2 else "")
        self._rows = rows
        self._taken = time.monotonic()


_queues: dict[tuple[Any, ...], SlurmQueue] = {}
_queues_lock = threading.Lock()


def queue_for(machine: dict[str, Any]) -> SlurmQueue:
    """The shared queue view of jobs submitted where ``machine`` submits them."""
    profile = machine.get("remote_profile") or {}
    where = (
        str(machine.get("context_type", "")).lower().replace("context", ""),
        profile.get("hostname"),
        profile.get("port"),
        profile.get("username"),
    )
    with _queues_lock:
        return _queues.setdefault(where, SlurmQueue())
