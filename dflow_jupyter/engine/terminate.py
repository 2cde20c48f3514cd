"""Terminate a debug-backend workflow that runs in another process (by its recorded owner)."""

from __future__ import annotations

import os

from dflow_jupyter.engine.recorder import Recorder
from dflow_jupyter.run_records import load_status, read_owner, workflow_dir


def terminate_recorded(workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> None:
    """Kill the process tree that runs ``workflow_id`` and mark its unfinished nodes Failed."""
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
    recorder = Recorder(load_status(directory, judge_owner=False), directory)
    recorder.abandon(reason)
    recorder.set_phase("Failed", reason)
