"""A change the snapshot throttle held back reaches ``status.json`` while the run waits for jobs."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.recorder import Recorder
from dflow_jupyter.engine.scheduler import RunJob, Scheduler
from dflow_jupyter.status.model import WorkflowStatus


def _messages(directory: Path) -> dict[str, Any]:
    nodes = json.loads((directory / "status.json").read_text())["status"]["nodes"]
    return {node["displayName"]: node.get("message") for node in nodes.values()}


def test_a_held_back_change_is_written_when_due(tmp_path: Path) -> None:
    recorder = Recorder(WorkflowStatus(name="held"), tmp_path)
    node = recorder.add_node(
        "held-1",
        "job",
        "Pod",
        template_name="job",
        boundary_id=None,
        parent=None,
        phase="Pending",
        message="queued on Slurm (job 7)",
    )
    recorder.snapshot(force=True)
    recorder.update(node, phase="Running", message="running on Slurm (job 7)")  # within the throttle
    assert _messages(tmp_path)["job"] == "queued on Slurm (job 7)"
    due = recorder.snapshot_due()
    assert due is not None and due > 0
    time.sleep(due)
    while recorder.snapshot_due() is not None:  # due by now; a slow clock may need one more look
        time.sleep(0.01)
    assert _messages(tmp_path)["job"] == "running on Slurm (job 7)"
    assert recorder.snapshot_due() is None  # nothing waits any more


class _PipeJob:
    """A job that ends when a byte arrives on its pipe, with no deadline of its own."""

    is_async = True

    def __init__(self) -> None:
        self.r, self.w = os.pipe()

    def run(self) -> Any:  # pragma: no cover - asynchronous
        raise NotImplementedError

    def start(self) -> None:
        pass

    def wait_object(self) -> int:
        return self.r

    def poll(self) -> tuple[bool, Any]:
        import select

        ready, _, _ = select.select([self.r], [], [], 0)
        return (True, "done") if ready else (False, None)

    def deadline(self) -> float | None:
        return None

    def on_deadline(self) -> None:
        pass

    def kill(self, reason: str) -> None:
        pass


def test_the_scheduler_wakes_for_its_idle_hook_while_a_job_runs() -> None:
    job = _PipeJob()
    calls: list[float] = []

    def idle() -> float | None:
        calls.append(time.monotonic())
        if len(calls) == 3:  # woken twice by its own timeout: end the job
            os.write(job.w, b"x")
        return 0.01

    def main() -> Any:
        result = yield RunJob(job)
        return result

    scheduler = Scheduler()
    scheduler.idle = idle
    done = threading.Event()
    outcome: list[Any] = []
    threading.Thread(target=lambda: (outcome.append(scheduler.run(main())), done.set()), daemon=True).start()
    assert done.wait(30), "the scheduler slept past its idle hook's timeout"
    assert outcome == ["done"] and len(calls) >= 3
    scheduler.close()
