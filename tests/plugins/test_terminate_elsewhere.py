"""A run with Slurm steps terminated from another process: its queued and running jobs are cancelled.

The run lives in a child interpreter; the test (a second process) terminates it through the CLI
or through ``Workflow(id=...).terminate()``, and then asks Slurm (``squeue -t all``) what became
of the jobs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dflow_jupyter
from dflow_jupyter import Workflow, config
from dflow_jupyter.errors import WorkflowNotFound

from .conftest import job_ids, squeue_states, wait_until

pytestmark = [pytest.mark.slurm, pytest.mark.usefixtures("slurm_cluster")]

OWNER = """
import sys
from dflow_jupyter import ShellOPTemplate, Step, Workflow, config
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor

config["debug_workdir"] = sys.argv[1]
config["detach"] = True
slurm = DispatcherExecutor(
    queue_name="debug",
    machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
    resources_dict={"number_node": 1, "cpu_per_node": 1},
)
slurm.poll_interval = 0.5
sleeper = ShellOPTemplate(name="sleeper", image="alpine", script="sleep 300")
wf = Workflow("elsewhere")
# Two CPUs: two jobs run, the third waits in the queue.
wf.add([Step(f"s{i}", sleeper, executor=slurm) for i in range(3)])
wf.submit()
print("ID", wf.id, flush=True)
wf.wait()
"""


def _package_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}


@pytest.mark.parametrize("how", ["cli", "api"])
def test_terminate_from_another_process_cancels_queued_and_running_jobs(tmp_path: Path, how: str) -> None:
    script = tmp_path / "owner.py"
    script.write_text(OWNER)
    workdir = str(config["debug_workdir"])
    owner = subprocess.Popen(
        [sys.executable, str(script), workdir],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_package_env(),
    )
    try:
        assert owner.stdout is not None
        line = owner.stdout.readline()
        assert line.startswith("ID "), (line, owner.stderr.read() if owner.poll() is not None else "")
        workflow_id = line.split()[1]
        wf = Workflow("elsewhere", id=workflow_id)

        def started() -> list[str]:
            try:
                pods = wf.query_step(type="Pod")
            except WorkflowNotFound:
                return []  # the owner has not written its first record yet
            ids = sorted(j for p in pods for j in job_ids(str(p.get("message") or "")))
            # Slurm says what runs: the record may still show a started job as queued.
            if len(ids) != 3 or sorted(squeue_states(ids).values()) != ["PENDING", "RUNNING", "RUNNING"]:
                return []
            return ids

        ids = wait_until(started, 60, "two running jobs and one queued")
        if how == "cli":
            done = subprocess.run(
                [sys.executable, "-m", "dflow_jupyter", "--workdir", workdir, "terminate", workflow_id],
                capture_output=True,
                text=True,
                env=_package_env(),
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
        else:
            wf.terminate()
        owner.wait(timeout=30)  # the owner is gone...
        # ...and so are its jobs (killed ones pass through COMPLETING while slurmd ends them).
        wait_until(lambda: set(squeue_states(ids).values()) == {"CANCELLED"}, 30, "the jobs to be CANCELLED")
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
        if owner.stderr is not None:
            owner.stderr.close()
    assert wf.query_status() == "Failed"
    assert all(p.phase == "Failed" for p in wf.query_step(type="Pod"))
    # No record of jobs to cancel is left behind.
    assert not list((Path(workdir) / workflow_id).rglob("scheduler_jobs.json"))
