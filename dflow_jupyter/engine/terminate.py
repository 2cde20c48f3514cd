"""Terminate a debug-backend workflow that runs in another process (by its recorded owner)."""

from __future__ import annotations

import os

from dflow_jupyter.engine.job_record import cancel_recorded_jobs
from dflow_jupyter.engine.recorder import Recorder
from dflow_jupyter.run_records import load_status, read_owner, workflow_dir


def terminate_recorded(workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> None:
    """Kill the process tree that runs ``workflow_id``, cancel the scheduler jobs it submitted
    (recorded in their steps' directories) and mark its unfinished nodes Failed."""
    import psutil

    directory = workflow_dir(workflow_id)
    owner = read_owner(directory)
    if owner is not None and owner.pid != os.getpid() and owner.is_alive():
        process = psutil.Process(owner.pid)
        victims = [*process.children(recursive=True), process]
        for victim in victims:
            try:
                victim.terminate()
            except psutil.Error:
                pass
        psutil.wait_procs(victims, timeout=1)
    status = load_status(directory, judge_owner=False)
    # After the owner is gone, so it submits nothing more.
    step_dirs = [n.step_dir for n in status.nodes.values() if n.step_dir and not n.finished]
    problems = cancel_recorded_jobs(directory, step_dirs)
    if problems:
        reason = f"{reason}; jobs left to cancel: {'; '.join(problems)}"
    recorder = Recorder(status, directory)
    recorder.abandon(reason)
    recorder.set_phase("Failed", reason)
