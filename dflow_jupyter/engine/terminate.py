"""Terminate a debug-backend workflow that runs in another process (by its recorded pid)."""

from __future__ import annotations

import os

from dflow_jupyter.engine.recorder import Recorder, load_status
from dflow_jupyter.engine.run import workflow_root


def terminate_recorded(workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> None:
    """Kill the process tree that runs ``workflow_id`` and mark its unfinished nodes Failed."""
    import psutil

    directory = workflow_root() / workflow_id
    try:
        pid = int((directory / "pid").read_text())
    except (OSError, ValueError):
        pid = None
    if pid is not None and pid != os.getpid() and psutil.pid_exists(pid):
        process = psutil.Process(pid)
        victims = [*process.children(recursive=True), process]
        for victim in victims:
            try:
                victim.terminate()
            except psutil.Error:
                pass
        psutil.wait_procs(victims, timeout=1)
    status = load_status(directory)
    recorder = Recorder(status, directory)
    for node in list(status.nodes.values()):
        if not node.finished:
            recorder.finish(node, "Failed", reason)
    recorder.set_phase("Failed", reason)
