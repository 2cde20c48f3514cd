"""Scheduler jobs recorded in their step's directory, so another process can cancel them.

A workflow terminated from another process (``python -m dflow_jupyter terminate``, or
``Workflow(id=...).terminate()`` in a second interpreter) kills the process that runs it; the
jobs that process submitted live on in the scheduler. Each dpdispatcher step therefore keeps
``scheduler_jobs.json`` (batch type, where the jobs were submitted from, their ids) while its
jobs may be queued or running, and :func:`cancel_recorded_jobs` cancels them from the record.
The record is removed once the step ends: a Shell job's pid may be reused after that.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dflow_jupyter.run_records import write_atomic

__all__ = ["JOBS_FILE", "cancel_recorded_jobs", "forget_jobs", "record_jobs"]

JOBS_FILE = "scheduler_jobs.json"
#: Bounded: a terminate must not hang on an unresponsive controller.
_SCANCEL_TIMEOUT = 30


def record_jobs(step_dir: Path, machine: Mapping[str, Any], job_ids: tuple[str, ...], local: bool) -> None:
    """Record ``job_ids`` of the step in ``step_dir`` (submitted with ``machine``'s settings)."""
    record: dict[str, Any] = {
        "batch_type": str(machine.get("batch_type") or "Slurm"),
        "local": local,
        "job_ids": list(job_ids),
    }
    if local and os.environ.get("SLURM_CONF"):
        # The cluster this process submitted to, which the terminating process may not know.
        record["slurm_conf"] = os.environ["SLURM_CONF"]
    if not local:
        record["host"] = str((machine.get("remote_profile") or {}).get("hostname") or "")
    if local and record["batch_type"].lower() == "shell":
        record["started"] = _start_times(job_ids)
    write_atomic(step_dir / JOBS_FILE, json.dumps(record))


def forget_jobs(step_dir: Path) -> None:
    """The step is over: its jobs are no longer anyone's to cancel."""
    try:
        (step_dir / JOBS_FILE).unlink()
    except FileNotFoundError:
        pass


def _start_times(pids: tuple[str, ...]) -> dict[str, float]:
    import psutil

    times = {}
    for pid in pids:
        try:
            times[pid] = psutil.Process(int(pid)).create_time()
        except (psutil.Error, ValueError):
            pass
    return times


def _cancel_shell(record: Mapping[str, Any]) -> None:
    import psutil

    for pid, started in dict(record.get("started") or {}).items():
        try:
            process = psutil.Process(int(pid))
            if process.create_time() != started:
                continue  # the pid now belongs to another process
            victims = [*process.children(recursive=True), process]
        except (psutil.Error, ValueError):
            continue
        for victim in victims:
            try:
                victim.kill()
            except psutil.Error:
                pass


def _cancel_slurm(record: Mapping[str, Any]) -> str | None:
    scancel = shutil.which("scancel")
    if scancel is None:
        return "scancel is not on PATH"
    env = dict(os.environ)
    if record.get("slurm_conf"):
        env["SLURM_CONF"] = str(record["slurm_conf"])
    ids = [str(i) for i in record.get("job_ids") or []]
    if not ids:
        return None
    try:
        done = subprocess.run(
            [scancel, *ids], env=env, capture_output=True, text=True, timeout=_SCANCEL_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"scancel {' '.join(ids)} failed: {exc}"
    if done.returncode != 0:
        return f"scancel {' '.join(ids)}: {done.stderr.strip() or done.returncode}"
    return None


def cancel_recorded_jobs(directory: Path, step_dirs: Iterable[str]) -> list[str]:
    """Cancel the jobs recorded in ``step_dirs`` of the workflow record ``directory``; the problems.

    Slurm jobs submitted from this machine are cancelled with ``scancel``, Shell jobs run here
    lose their process tree; jobs submitted over SSH or to other schedulers are named in the
    problems (their credentials stay with the process that submitted them).
    """
    problems = []
    for step_dir in step_dirs:
        path = directory / step_dir / JOBS_FILE
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            continue  # not a dpdispatcher step, or its jobs are over
        except (OSError, ValueError):
            continue
        batch = str(record.get("batch_type", "")).lower()
        ids = ", ".join(str(i) for i in record.get("job_ids") or [])
        if not record.get("local"):
            problems.append(
                f"{record.get('batch_type')} jobs {ids} on {record.get('host')}: cancel them there"
            )
            continue
        if batch == "shell":
            _cancel_shell(record)
        elif batch == "slurm":
            problem = _cancel_slurm(record)
            if problem is not None:
                problems.append(problem)
        else:
            problems.append(f"{record.get('batch_type')} jobs {ids}: cancel them with the scheduler")
            continue
        path.unlink(missing_ok=True)
    return problems
