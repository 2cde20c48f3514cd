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


class Run:
    """The script above in a child process, stopped while its step 3 runs, then restarted."""

    def __init__(self, tmp_path: Path, isolation: str) -> None:
        self.script = tmp_path / "run.py"
        self.script.write_text(SCRIPT)
        self.log = tmp_path / "runs.log"
        self.workdir = tmp_path / "wf"
        self.isolation = isolation
        self.env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}

    def args(self, *extra: str) -> list[str]:
        return [sys.executable, str(self.script), str(self.workdir), self.isolation, str(self.log), *extra]

    def start_until_step_three(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(self.args(), stdout=subprocess.PIPE, text=True, env=self.env)
        deadline = time.monotonic() + 60
        while not Path(str(self.log) + ".ready").exists():
            assert time.monotonic() < deadline, "step 3 never started"
            time.sleep(0.05)
        return proc

    def restart(self, workflow_id: str) -> None:
        Path(str(self.log) + ".resume").write_text("x")
        done = subprocess.run(
            self.args(workflow_id), capture_output=True, text=True, env=self.env, timeout=60
        )
        assert done.stdout.split()[-1] == "Succeeded", done.stdout + done.stderr
        starts = [line for line in self.log.read_text().split("\n") if line]
        # s1 and s2 ran once; s3 ran again (it was stopped), then s4 and s5.
        assert starts == ["start 1", "start 2", "start 3", "start 3", "start 4", "start 5"]


def test_interrupt_keeps_finished_steps_and_restart_reuses_them(tmp_path: Path, isolation: str) -> None:
    run = Run(tmp_path, isolation)
    proc = run.start_until_step_three()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    workflow_id = out.split()[1]
    status = json.loads((run.workdir / workflow_id / "status.json").read_text())["status"]
    assert status["phase"] == "Failed" and "interrupted" in status["message"]
    phases = {n["displayName"]: n["phase"] for n in status["nodes"].values() if n["type"] == "Pod"}
    assert phases["s1"] == phases["s2"] == "Succeeded"
    assert phases["s3"] == "Failed"
    run.restart(workflow_id)


def test_a_killed_process_loses_no_finished_step(tmp_path: Path, isolation: str) -> None:
    run = Run(tmp_path, isolation)
    proc = run.start_until_step_three()
    proc.kill()  # SIGKILL: no cleanup at all
    proc.communicate(timeout=30)
    [workflow_dir] = list(run.workdir.iterdir())
    run.restart(workflow_dir.name)
