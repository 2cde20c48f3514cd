"""Workflows whose steps leave the pod: HPC jobs submitted through dpdispatcher (see tests/argo/expected)."""

from __future__ import annotations

from dflow_jupyter import (
    ContainerExecutor,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    Resource,
    S3Artifact,
    ShellOPTemplate,
    SlurmJobTemplate,
    Step,
    Workflow,
    argo_range,
    argo_sequence,
)
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor
from dflow_jupyter.python import PythonOPTemplate, Slices

from .ops import Plus, read_all, square, total, write_file

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


def dispatcher_merged() -> Workflow:
    """merge_sliced_step: a sliced fan-out over with_param and one over with_sequence, each one pod
    submitting a task per slice, their stacked outputs read by the next steps."""
    merged = DispatcherExecutor(
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        resources_dict={"queue_name": "debug", "group_size": 2},
        merge_sliced_step=True,
    )
    squares = Step(
        "squares",
        PythonOPTemplate(
            square, image="python:3.11", slices=Slices(input_parameter=["x"], output_parameter=["y"])
        ),
        parameters={"x": [3, 1, 2]},
        with_param=argo_range(3),
        key="squares-{{item}}",
        executor=merged,
    )
    writer = PythonOPTemplate(
        write_file,
        image="python:3.11",
        slices=Slices(input_parameter=["name"], output_artifact=["out"], create_dir=True),
    )
    write = Step(
        "write",
        writer,
        parameters={"name": ["c", "a", "b"]},
        with_sequence=argo_sequence(3),
        executor=merged,
    )
    add = Step(
        "add",
        PythonOPTemplate(total, image="python:3.11"),
        parameters={"values": squares.outputs.parameters["y"]},
    )
    read = Step(
        "read",
        PythonOPTemplate(read_all, image="python:3.11"),
        artifacts={"files": write.outputs.artifacts["out"]},
    )
    wf = Workflow("merged")
    wf.add([squares, write])
    wf.add([add, read])
    return wf


def slurm_job_template() -> Workflow:
    """dflow's wlm-operator path: prepare, a SlurmJob resource on a virtual-kubelet node, collect."""
    relax = ShellOPTemplate(
        "relax",
        image="alpine:3.20",
        script="cat /tmp/in/x > /tmp/out/y && echo 3 > /tmp/n",
        inputs=Inputs(parameters={"k": InputParameter()}, artifacts={"x": InputArtifact(path="/tmp/in/x")}),
        outputs=Outputs(
            parameters={"n": OutputParameter(value_from_path="/tmp/n")},
            artifacts={"y": OutputArtifact(path="/tmp/out/y")},
        ),
    )
    slurm = SlurmJobTemplate(
        header="#!/bin/bash\n#SBATCH -N 1\n#SBATCH -n 1",
        node_selector={"kubernetes.io/hostname": "slurm-minikube-cpu"},
        prepare_image="alpine:3.20",
        collect_image="alpine:3.20",
    )
    wf = Workflow("slurm-job")
    step = Step(
        "relax",
        relax,
        parameters={"k": 1},
        artifacts={"x": S3Artifact(key="upload/x", debug_s3=True)},
        executor=slurm,
    )
    echo = ShellOPTemplate(
        "echo",
        image="alpine:3.20",
        script="echo {{inputs.parameters.n}}",
        inputs=Inputs(parameters={"n": ""}),
    )
    wf.add(step)
    wf.add(Step("echo", echo, parameters={"n": step.outputs.parameters["n"]}))
    return wf


class BatchJob(Resource):
    """A Kubernetes Job, with dflow's ``Step(use_resource=...)`` signature ``get_manifest(command, script)``."""

    action = "create"
    success_condition = "status.succeeded > 0"
    failure_condition = "status.failed > 3"

    def get_manifest(self, command, script):  # type: ignore[no-untyped-def, override]
        container = {"name": "main", "image": "alpine:3.20", "command": [*command, "-c", script]}
        spec = {"template": {"spec": {"containers": [container], "restartPolicy": "Never"}}}
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "pi-"}, "spec": spec}


class ConfigMapOf(Resource):
    """A ConfigMap holding the script (``get_manifest(template)``, YAML text), applied."""

    action = "apply"

    def get_manifest(self, template):  # type: ignore[no-untyped-def]
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {template.name}\ndata:\n  script: hi\n"


def resources_and_containers() -> Workflow:
    """use_resource with both manifest signatures; ContainerExecutor steps (docker, singularity)."""
    pi = ShellOPTemplate(
        "pi", image="alpine:3.20", script="echo {{inputs.parameters.n}}", inputs=Inputs(parameters={"n": 3})
    )
    boxed = ShellOPTemplate(
        "boxed",
        image="python:3.11",
        command=["python3"],
        script="open('/tmp/out', 'w').write('hi')",
        outputs=Outputs(parameters={"out": OutputParameter(value_from_path="/tmp/out")}),
    )
    wf = Workflow("resources")
    wf.add(
        [
            Step("job", pi, parameters={"n": 5}, use_resource=BatchJob()),
            Step("config", pi, parameters={"n": 1}, use_resource=ConfigMapOf()),
            Step("docker", boxed, executor=ContainerExecutor(docker="docker")),
            Step("apptainer", boxed, executor=ContainerExecutor(singularity="apptainer")),
        ]
    )
    return wf
