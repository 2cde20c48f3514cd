"""Workflows whose steps leave the pod: HPC jobs submitted through dpdispatcher (see tests/argo/expected)."""

from __future__ import annotations

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

from .ops import Plus

#: Values that must never appear in a manifest (the tests look for them).
PASSWORD = "s3cret-Pa55word"
KEY_FILE = "/home/chem/.ssh/id_cluster"


def ssh_executor() -> DispatcherExecutor:
    """dflow's SSH set-up, its password and key taken from Kubernetes Secrets."""
    return DispatcherExecutor(
        host="login.hpc.example",
        username="chem",
        password=PASSWORD,
        private_key_file=KEY_FILE,
        queue_name="cpu",
        resources_dict={"cpu_per_node": 4, "custom_flags": ["#SBATCH --time=30"]},
        envs={"OMP_NUM_THREADS": "4"},
        retry_on_submission_error=2,
        password_secret="hpc-login",
        private_key_secret="hpc-key",
    )


def dispatcher() -> Workflow:
    """A Python OP over SSH (secrets by reference) and a shell step with files on a local Slurm."""
    shell = ShellOPTemplate(
        "count",
        image="alpine:3.20",
        script="wc -l < /tmp/in/data > /tmp/n && mkdir -p /tmp/out && cp /tmp/in/data /tmp/out/",
        inputs=Inputs(
            parameters={"tag": InputParameter()}, artifacts={"data": InputArtifact(path="/tmp/in/data")}
        ),
        outputs=Outputs(
            parameters={"n": OutputParameter(value_from_path="/tmp/n", type=int)},
            artifacts={"copy": OutputArtifact(path="/tmp/out")},
        ),
        requests={"cpu": "4", "memory": "8Gi", "ephemeral-storage": "1Gi"},
        node_selector={"gpu": "a100"},
    )
    local = DispatcherExecutor(
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        resources_dict={"queue_name": "debug"},
        pre_script="print('submitting')",
        post_script="print('back')",
        clean=False,
    )
    relax = Step(
        "relax", PythonOPTemplate(Plus, image="python:3.11"), parameters={"x": 1}, executor=ssh_executor()
    )
    count = Step(
        "count",
        shell,
        parameters={"tag": relax.outputs.parameters["y"]},
        artifacts={"data": S3Artifact(key="upload/data", debug_s3=True)},
        executor=local,
    )
    wf = Workflow("dispatcher")
    wf.add(relax)
    wf.add(count)
    return wf
