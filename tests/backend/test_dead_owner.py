"""A run whose process died (kill -9, ``os._exit``, a segfault) is reported Error, not Running forever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dflow_jupyter
from dflow_jupyter import Workflow, config
from dflow_jupyter.backend import backend_for
from dflow_jupyter.run_records import Owner, load_status, write_owner

SCRIPT = """
import ctypes, os, sys, time
from pathlib import Path
from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.python import OP, PythonOPTemplate

workdir, isolation, how, flag = sys.argv[1:5]
config["debug_workdir"] = workdir
config["debug_isolation"] = isolation

@OP.function
def step(i: int) -> {"i": int}:
    if i == 3:
        Path(flag).write_text("x")
        if how == "exit":
            os._exit(3)
        if how == "segfault":
            ctypes.string_at(0)
        time.sleep(60)
    return {"i": i}

wf = Workflow("doomed", id=sys.argv[5] if len(sys.argv) > 5 else None)
for i in range(1, 5):
    wf.add(Step(f"s{i}", PythonOPTemplate(step), parameters={"i": i}))
wf.submit()
print("ID", wf.id, wf.query_status(), flush=True)
"""


def _run_until_death(tmp_path: Path, isolation: str, how: str) -> str:
    script = tmp_path / "doomed.py"
    script.write_text(SCRIPT)
    flag = tmp_path / "step3.started"
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    args = [sys.executable, str(script), config["debug_workdir"], isolation, how, str(flag)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert time.monotonic() < deadline, "step 3 never started"
        assert proc.poll() is None or how != "kill", proc.communicate()
        time.sleep(0.02)
    if how == "kill":
        proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    [record] = list(Path(config["debug_workdir"]).iterdir())
    return record.name


@pytest.mark.parametrize(
    ("isolation", "how"),
    [("inprocess", "kill"), ("process", "kill"), ("inprocess", "exit"), ("inprocess", "segfault")],
)
def test_a_dead_owner_is_reported_as_error_and_finished_steps_stay(
    tmp_path: Path, isolation: str, how: str
) -> None:
    workflow_id = _run_until_death(tmp_path, isolation, how)
    # On disk the record still says Running: nobody was left to settle it.
    assert (Path(config["debug_workdir"]) / workflow_id / "status").read_text() == "Running"

    wf = Workflow("doomed", id=workflow_id)
    assert wf.query_status() == "Error"
    status = wf.query()
    assert "ended before the workflow did" in status.status.message
    assert f"Workflow(id={workflow_id!r}).submit()" in status.status.message
    phases = {s.displayName: s.phase for s in wf.query_step(type="Pod")}
    assert phases["s1"] == phases["s2"] == "Succeeded"
    # The running step is in the record only if a snapshot caught it; then it is Error too.
    assert phases.get("s3") in (None, "Error")
    assert [s.outputs.parameters["i"].value for s in wf.query_step(name=["s1", "s2"])] == [1, 2]

    # The listing (what %dflow list and the CLI show) agrees.
    [listed] = backend_for("debug").list()
    assert (listed.name, listed.phase) == (workflow_id, "Error")
    # Reading changed nothing on disk.
    assert (Path(config["debug_workdir"]) / workflow_id / "status").read_text() == "Running"


def test_the_cli_lists_a_dead_run_as_error(tmp_path: Path) -> None:
    workflow_id = _run_until_death(tmp_path, "inprocess", "kill")
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", "dflow_jupyter", "--workdir", config["debug_workdir"], "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [row] = [line for line in done.stdout.splitlines() if workflow_id in line]
    assert "Error" in row and "Running" not in row


def test_a_restart_after_a_dead_owner_reuses_finished_steps(tmp_path: Path) -> None:
    workflow_id = _run_until_death(tmp_path, "inprocess", "kill")
    script = tmp_path / "doomed.py"
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    args = [sys.executable, str(script), config["debug_workdir"], "inprocess", "none", str(tmp_path / "x")]
    # how == "none": step 3 sleeps again, so make it pass by restarting with a step that ends.
    script.write_text(script.read_text().replace("time.sleep(60)", "pass"))
    done = subprocess.run([*args, workflow_id], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split()[-1] == "Succeeded", done.stdout + done.stderr
    status = load_status(Path(config["debug_workdir"]) / workflow_id)
    s1 = next(n for n in status.nodes.values() if n.display_name == "s1")
    assert s1.phase == "Succeeded"
    assert status.phase == "Succeeded"


def test_a_reused_pid_is_not_taken_for_the_owner(tmp_path: Path) -> None:
    workflow_id = _run_until_death(tmp_path, "inprocess", "kill")
    directory = Path(config["debug_workdir"]) / workflow_id
    # Our own pid is alive, but this process started later than the recorded one.
    write_owner(directory, Owner(os.getpid(), Owner.of_this_process().started - 1000))
    assert load_status(directory).phase == "Error"
    # The very same process (pid and start time) is alive: the run is still its.
    write_owner(directory, Owner.of_this_process())
    assert load_status(directory).phase == "Running"


def test_owner_record_is_json_with_pid_and_start_time(tmp_path: Path) -> None:
    workflow_id = _run_until_death(tmp_path, "inprocess", "kill")
    owner = json.loads((Path(config["debug_workdir"]) / workflow_id / "owner.json").read_text())
    assert set(owner) == {"pid", "started"}
