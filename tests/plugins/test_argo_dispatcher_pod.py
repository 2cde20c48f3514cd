"""The Argo pod of a ``DispatcherExecutor`` step, run here against the real local Slurm.

What Argo would do is done by hand: the template's ``{{...}}`` tags are substituted, its ``env``
is set, the input artifacts are placed under ``tmp/``, and the script runs with ``python3`` from
a directory named ``workdir`` (dflow's rule keeps it instead of ``/``). The job must run on
Slurm and the outputs must come back where the template declares them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import dflow_jupyter
from dflow_jupyter import (
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
    ShellOPTemplate,
    Step,
    Workflow,
)
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor
from dflow_jupyter.python import PythonOPTemplate

from .conftest import pod_job_ids, run_pod_script, squeue_states, wait_until
from .pod_ops import cube

pytestmark = [pytest.mark.slurm, pytest.mark.usefixtures("slurm_cluster")]


def _executor(remote_command: str | None = None) -> DispatcherExecutor:
    return DispatcherExecutor(
        queue_name="debug",
        remote_command=remote_command,
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        resources_dict={"number_node": 1, "cpu_per_node": 1},
        clean=False,
    )


def _template(wf: Workflow, name: str) -> dict[str, Any]:
    manifest = wf.to_dict()
    return next(t for t in manifest["spec"]["templates"] if t["name"] == name)


def _run_pod(template: dict[str, Any], root: Path, arguments: dict[str, str], ok: bool = True) -> str:
    return run_pod_script(template, root, arguments, "argo-pod-test", ok=ok)


def test_a_python_op_pod_submits_its_job_and_gets_its_output_back(tmp_path: Path) -> None:
    wf = Workflow("argo-pod")
    # The OP's module ships as source, as on Argo (it imports nothing relative).
    op = PythonOPTemplate(cube, image="python:3.11")
    # The job runs this interpreter, which has this package (as a cluster's python3 would).
    wf.add(Step("cube", op, parameters={"x": 3}, executor=_executor(sys.executable)))
    template = _template(wf, "cube")
    root = tmp_path / "workdir"
    root.mkdir()
    _run_pod(template, root, {"x": "3"})
    # Back where the template says Argo reads it: /tmp/outputs/parameters/y, under the pod's root.
    assert (root / "tmp" / "outputs" / "parameters" / "y").read_text() == "27"
    ids = pod_job_ids(root)
    assert ids and set(squeue_states(ids).values()) == {"COMPLETED"}


def test_a_shell_pod_stages_its_input_artifact_and_brings_files_back(tmp_path: Path) -> None:
    count = ShellOPTemplate(
        "count",
        image="alpine:3.20",
        script="mkdir -p /tmp/out && tr a-z A-Z < /tmp/in/data > /tmp/out/upper && "
        "echo {{inputs.parameters.tag}}-$(wc -l < /tmp/in/data) > /tmp/n",
        inputs=Inputs(
            parameters={"tag": InputParameter()}, artifacts={"data": InputArtifact(path="/tmp/in/data")}
        ),
        outputs=Outputs(
            parameters={"n": OutputParameter(value_from_path="/tmp/n")},
            artifacts={"upper": OutputArtifact(path="/tmp/out")},
        ),
    )
    wf = Workflow("argo-pod")
    data = S3Artifact(key="upload/data", debug_s3=True)
    wf.add(Step("count", count, parameters={"tag": "t"}, artifacts={"data": data}, executor=_executor()))
    template = _template(wf, "count")
    root = tmp_path / "workdir"
    (root / "tmp" / "in").mkdir(parents=True)
    (root / "tmp" / "in" / "data").write_text("one\ntwo\n")  # where Argo puts the input artifact
    _run_pod(template, root, {"tag": "t"})
    assert (root / "tmp" / "n").read_text().strip() == "t-2"
    assert (root / "tmp" / "out" / "upper").read_text() == "ONE\nTWO\n"
    ids = pod_job_ids(root)
    assert ids and set(squeue_states(ids).values()) == {"COMPLETED"}


def test_a_failing_program_fails_the_pod_without_resubmitting(tmp_path: Path) -> None:
    failing = ShellOPTemplate(
        "failing",
        image="alpine:3.20",
        script="echo doomed; exit 3",
        outputs=Outputs(parameters={"n": OutputParameter(value_from_path="/tmp/n")}),
    )
    wf = Workflow("argo-pod")
    wf.add(Step("failing", failing, executor=_executor()))
    root = tmp_path / "workdir"
    root.mkdir()
    with pytest.raises(AssertionError, match="doomed"):
        _run_pod(_template(wf, "failing"), root, {})
    assert len(pod_job_ids(root)) == 1  # one job, not dpdispatcher's three resubmissions


def test_sigterm_to_the_pod_cancels_its_job(tmp_path: Path) -> None:
    # Argo's terminate (and an activeDeadlineSeconds) stop the pod's main container with SIGTERM.
    sleeper = ShellOPTemplate("sleeper", image="alpine:3.20", script="sleep 300")
    wf = Workflow("argo-pod")
    wf.add(Step("sleeper", sleeper, executor=_executor()))
    template = _template(wf, "sleeper")
    root = tmp_path / "workdir"
    root.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1]), "ARGO_TEMPLATE": "{}"}
    source = template["script"]["source"].replace("{{workflow.name}}", "w").replace("{{pod.name}}", "p")
    pod = subprocess.Popen(
        [sys.executable, "-c", source],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        [job] = wait_until(lambda: pod_job_ids(root), 60, "the job to be submitted")
        wait_until(lambda: squeue_states([job]).get(job) == "RUNNING", 60, "the job to run")
        pod.send_signal(signal.SIGTERM)
        output, _ = pod.communicate(timeout=60)
    finally:
        if pod.poll() is None:
            pod.kill()
            pod.communicate()
    assert pod.returncode == 143, output
    assert "cancelling the unfinished jobs" in output
    wait_until(lambda: squeue_states([job]).get(job) == "CANCELLED", 30, "the job to be CANCELLED")
