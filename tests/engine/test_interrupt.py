"""An interrupted run (Ctrl-C / a kernel interrupt) keeps every finished step; a restart reuses them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dflow_jupyter

SCRIPT = """
import sys, time
from pathlib import Path
from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.python import OP, PythonOPTemplate

config["debug_workdir"] = sys.argv[1]
config["debug_isolation"] = sys.argv[2]

@OP.function
def step(i: int, log: str) -> {"i": int}:
    with open(log, "a") as handle:
        handle.write(f"start {i}\\n")
    if i == 3 and not Path(log + ".resume").exists():
        Path(log + ".ready").write_text("x")
        time.sleep(60)
    return {"i": i}

wf = Workflow("interrupted", id=sys.argv[4] if len(sys.argv) > 4 else None)
for i in range(1, 6):
    wf.add(Step(f"s{i}", PythonOPTemplate(step), parameters={"i": i, "log": sys.argv[3]}))
try:
    wf.submit()
except KeyboardInterrupt:
    print("ID", wf.id, "INTERRUPTED", flush=True)
    sys.exit(130)
print("ID", wf.id, wf.query_status(), flush=True)
"""


def test_interrupt_keeps_finished_steps_and_restart_reuses_them(tmp_path: Path, isolation: str) -> None:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    log = tmp_path / "runs.log"
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    workdir = tmp_path / "wf"
    proc = subprocess.Popen([sys.executable, str(script), str(workdir), isolation, str(log)],
                            stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not Path(str(log) + ".ready").exists():
        assert time.monotonic() < deadline, "step 3 never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    workflow_id = out.split()[1]
    status = json.loads((workdir / workflow_id / "status.json").read_text())["status"]
    assert status["phase"] == "Failed" and "interrupted" in status["message"]
    phases = {n["displayName"]: n["phase"] for n in status["nodes"].values() if n["type"] == "Pod"}
    assert phases["s1"] == phases["s2"] == "Succeeded"
    assert phases["s3"] == "Failed"

    Path(str(log) + ".resume").write_text("x")
    done = subprocess.run([sys.executable, str(script), str(workdir), isolation, str(log), workflow_id],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split()[-1] == "Succeeded", done.stdout + done.stderr
    starts = log.read_text().split("\n")
    # s1 and s2 ran once; s3 ran again (it was interrupted), then s4 and s5.
    assert [line for line in starts if line] == ["start 1", "start 2", "start 3", "start 3", "start 4", "start 5"]


def test_a_killed_process_loses_no_finished_step(tmp_path: Path, isolation: str) -> None:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    log = tmp_path / "runs.log"
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    workdir = tmp_path / "wf"
    proc = subprocess.Popen([sys.executable, str(script), str(workdir), isolation, str(log)],
                            stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not Path(str(log) + ".ready").exists():
        assert time.monotonic() < deadline, "step 3 never started"
        time.sleep(0.05)
    proc.kill()  # SIGKILL: no cleanup at all
    proc.communicate(timeout=30)
    [workflow_dir] = list(workdir.iterdir())
    Path(str(log) + ".resume").write_text("x")
    done = subprocess.run([sys.executable, str(script), str(workdir), isolation, str(log), workflow_dir.name],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split()[-1] == "Succeeded", done.stdout + done.stderr
    starts = [line for line in log.read_text().split("\n") if line]
    assert starts == ["start 1", "start 2", "start 3", "start 3", "start 4", "start 5"]
