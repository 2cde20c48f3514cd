"""dflow's ``SlurmJob`` and ``SlurmJobTemplate``: steps run on Slurm through wlm-operator (Argo only).

wlm-operator (sylabs) shows a Slurm partition to Kubernetes as a virtual-kubelet node and runs
``SlurmJob`` objects (``wlm.sylabs.io/v1alpha1``) there. dflow's ``SlurmJobTemplate`` turns a
script template into three steps: ``slurm-prepare`` copies the input artifacts to a host
directory, ``slurm-run`` creates the ``SlurmJob`` (a resource template) whose batch script runs
the step's script in the job's working directory, and ``slurm-collect`` brings the outputs back
from the host directory wlm-operator copied the results to. The debug backend has no cluster:
for local Slurm use ``DispatcherExecutor``.
"""

from __future__ import annotations

import copy
import os
import shlex
from typing import Any

from dflow_jupyter.config import config
from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.model.executor import Executor
from dflow_jupyter.model.resource import Resource, ResourceOPTemplate
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.steps import Steps
from dflow_jupyter.model.templates import ShellOPTemplate
from dflow_jupyter.plugins.container import container_command

__all__ = ["SlurmJob", "SlurmJobTemplate"]

_HEREDOC = "DFLOW_SLURM_SCRIPT_EOF"


def _remote_run(
    template: Any,
    remote_command: list[str] | None,
    runtimes: tuple[tuple[str, str | None], ...],
) -> str:
    command = list(remote_command or template.command)
    for kind, executable in runtimes:
        if executable is not None:
            return container_command(kind, executable, template.image, command)  # type: ignore[arg-type]
    return " ".join(shlex.quote(part) for part in command) + " script"


class SlurmJob(Resource):
    """A wlm-operator ``SlurmJob`` object that runs a script template's script (dflow's).

    Parameters
    ----------
    header : str
        ``#SBATCH`` lines (and anything else) at the top of the batch script.
    node_selector : dict, optional
        Labels of the virtual-kubelet node (the Slurm partition) that takes the job.
    prepare, results : dict, optional
        wlm-operator's ``prepare`` (inputs copied to the job) and ``results`` (outputs copied back).
    map_tmp_dir : bool
        Map the script's ``/tmp`` to ``<workdir>/tmp``.
    workdir : str
        The job's working directory.
    remote_command, docker_executable, singularity_executable, podman_executable
        How the job runs the script (default: the template's command, no container).
    """

    def __init__(
        self,
        header: str = "",
        node_selector: dict[str, str] | None = None,
        prepare: dict[str, Any] | None = None,
        results: dict[str, Any] | None = None,
        map_tmp_dir: bool = True,
        workdir: str = ".",
        remote_command: str | list[str] | None = None,
        docker_executable: str | None = None,
        singularity_executable: str | None = None,
        podman_executable: str | None = None,
    ) -> None:
        self.header = header
        self.action = "create"
        self.success_condition = "status.status == Succeeded"
        self.failure_condition = "status.status == Failed"
        self.node_selector = node_selector
        self.prepare = prepare
        self.results = results
        self.map_tmp_dir = map_tmp_dir
        self.workdir = workdir
        self.remote_command = [remote_command] if isinstance(remote_command, str) else remote_command
        self.docker_executable = docker_executable
        self.singularity_executable = singularity_executable
        self.podman_executable = podman_executable

    def get_manifest(self, template: Any) -> dict[str, Any]:
        """The ``SlurmJob`` object of ``template`` (named after the pod, as dflow names it)."""
        script = template.script
        if self.map_tmp_dir:
            script = script.replace("/tmp", f"{self.workdir}/tmp")
        runtimes = (
            ("docker", self.docker_executable),
            ("singularity", self.singularity_executable),
            ("podman", self.podman_executable),
        )
        batch = (
            f"{self.header}\nmkdir -p {self.workdir}\ncd {self.workdir}\n"
            f"cat <<'{_HEREDOC}' > script\n{script}\n{_HEREDOC}\n"
            + _remote_run(template, self.remote_command, runtimes)
            + "\n"
        )
        spec: dict[str, Any] = {"batch": batch}
        if self.node_selector is not None:
            spec["nodeSelector"] = dict(self.node_selector)
        if self.prepare is not None:
            spec["prepare"] = self.prepare
        if self.results is not None:
            spec["results"] = self.results
        return {
            "apiVersion": "wlm.sylabs.io/v1alpha1",
            "kind": "SlurmJob",
            "metadata": {"name": "{{pod.name}}"},
            "spec": spec,
        }


def _host_volume(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "hostPath": {"path": path, "type": "DirectoryOrCreate"}}


class SlurmJobTemplate(Executor):
    """Run a script template as a wlm-operator ``SlurmJob`` (dflow's ``SlurmJobTemplate``).

    Parameters
    ----------
    header : str
        ``#SBATCH`` lines of the job.
    node_selector : dict, optional
        Labels of the virtual-kubelet node of the partition (e.g. ``{"kubernetes.io/hostname":
        "slurm-minikube-cpu"}``).
    prepare_image, prepare_image_pull_policy, collect_image, collect_image_pull_policy
        Images of the steps that stage inputs and collect outputs (default ``config["util_image"]``).
    workdir : str
        The job's working directory on the cluster.
    remote_command, docker_executable, singularity_executable, podman_executable
        How the job runs the script.
    """

    def __init__(
        self,
        header: str = "",
        node_selector: dict[str, str] | None = None,
        prepare_image: str | None = None,
        prepare_image_pull_policy: str | None = None,
        collect_image: str | None = None,
        collect_image_pull_policy: str | None = None,
        workdir: str = "dflow/workflows/{{workflow.name}}/{{pod.name}}",
        remote_command: str | list[str] | None = None,
        docker_executable: str | None = None,
        singularity_executable: str | None = None,
        podman_executable: str | None = None,
    ) -> None:
        self.header = header
        self.node_selector = node_selector
        self.prepare_image = prepare_image or config["util_image"]
        self.prepare_image_pull_policy = prepare_image_pull_policy or config["util_image_pull_policy"]
        self.collect_image = collect_image or config["util_image"]
        self.collect_image_pull_policy = collect_image_pull_policy or config["util_image_pull_policy"]
        self.workdir = workdir
        self.remote_command = remote_command
        self.docker_executable = docker_executable
        self.singularity_executable = singularity_executable
        self.podman_executable = podman_executable

    def __repr__(self) -> str:
        return f"SlurmJobTemplate(node_selector={self.node_selector!r})"

    def render(self, template: Any) -> Any:
        """A ``Steps`` template: prepare (with input artifacts), run (the ``SlurmJob``), collect."""
        if not hasattr(template, "script") or hasattr(template, "op_class"):
            return template  # as dflow: only script templates become Slurm jobs
        steps = Steps(f"{template.name}-slurm")
        steps.argo_only = (  # type: ignore[attr-defined]
            f"{self!r} runs template {template.name!r} as a wlm-operator SlurmJob, which needs "
            "the Argo backend; on the debug backend use DispatcherExecutor (Slurm from this machine)"
        )
        for name in template.inputs.artifacts:
            steps.inputs.artifacts[name] = InputArtifact()
        for name in template.inputs.parameters:
            steps.inputs.parameters[name] = InputParameter()
        # Host paths: wlm-operator copies between them and the job (the node the pod runs on).
        pod_dir = "/tmp/{{pod.name}}"
        prepare: dict[str, Any] | None = None
        results: dict[str, Any] | None = None
        prepare_step: Step | None = None
        if template.inputs.artifacts:
            copies = "".join(
                f"mkdir -p /workdir/{os.path.dirname(a.path)}\ncp -r {a.path} /workdir/{a.path}\n"
                for a in template.inputs.artifacts.values()
            )
            staging = ShellOPTemplate(
                f"{steps.name}-prepare",
                image=self.prepare_image,
                image_pull_policy=self.prepare_image_pull_policy,
                script=copies,
                volumes=[_host_volume("workdir", pod_dir)],
                mounts=[{"name": "workdir", "mountPath": "/workdir"}],
            )
            staging.inputs.artifacts = copy.deepcopy(template.inputs.artifacts)
            staging.outputs.parameters["dflow_vol_path"] = OutputParameter(value=pod_dir)
            prepare_step = Step(
                "slurm-prepare",
                staging,
                artifacts={n: steps.inputs.artifacts[n] for n in template.inputs.artifacts},
            )
            steps.add(prepare_step)
            prepare = {
                "to": self.workdir,
                "mount": _host_volume("workdir", "{{inputs.parameters.dflow_vol_path}}"),
            }
        if template.outputs.parameters or template.outputs.artifacts:
            results = {"from": f"{self.workdir}/workdir", "mount": _host_volume("mnt", pod_dir)}
        job = SlurmJob(
            header=self.header,
            node_selector=self.node_selector,
            prepare=prepare,
            results=results,
            workdir=f"{self.workdir}/workdir",
            remote_command=self.remote_command,
            docker_executable=self.docker_executable,
            singularity_executable=self.singularity_executable,
            podman_executable=self.podman_executable,
        )
        run = ResourceOPTemplate(
            f"{steps.name}-run",
            manifest=job.get_manifest(template),
            action=job.action or "create",
            success_condition=job.success_condition,
            failure_condition=job.failure_condition,
        )
        run.inputs.parameters.update(copy.deepcopy(template.inputs.parameters))
        run.inputs.set_template(run)
        arguments: dict[str, Any] = {n: steps.inputs.parameters[n] for n in template.inputs.parameters}
        if prepare_step is not None:
            run.inputs.parameters["dflow_vol_path"] = InputParameter()
            arguments["dflow_vol_path"] = prepare_step.outputs.parameters["dflow_vol_path"]
        if results is not None:
            run.outputs.parameters["dflow_vol_path"] = OutputParameter(value=pod_dir)
        run_step = Step("slurm-run", run, parameters=arguments)
        steps.add(run_step)
        if results is not None:
            self._collect(template, steps, run_step)
        return steps

    def _collect(self, template: Any, steps: Steps, run_step: Step) -> None:
        lines = [
            f"mkdir -p `dirname {p}` && cp -r /mnt/workdir/{p} {p}\n"
            for p in [a.path for a in template.outputs.artifacts.values()]
            + [
                p.value_from_path
                for p in template.outputs.parameters.values()
                if p.value_from_path is not None
            ]
        ]
        collect = ShellOPTemplate(
            f"{steps.name}-collect",
            image=self.collect_image,
            image_pull_policy=self.collect_image_pull_policy,
            script="".join(lines),
            volumes=[_host_volume("mnt", "{{inputs.parameters.dflow_vol_path}}")],
            mounts=[{"name": "mnt", "mountPath": "/mnt"}],
        )
        collect.inputs.parameters["dflow_vol_path"] = InputParameter()
        collect.outputs.parameters.update(copy.deepcopy(template.outputs.parameters))
        collect.outputs.artifacts.update(copy.deepcopy(template.outputs.artifacts))
        collect.outputs.set_template(collect)
        step = Step(
            "slurm-collect",
            collect,
            parameters={"dflow_vol_path": run_step.outputs.parameters["dflow_vol_path"]},
        )
        steps.add(step)
        for name in template.outputs.artifacts:
            steps.outputs.artifacts[name] = OutputArtifact(_from=step.outputs.artifacts[name])
        for name in template.outputs.parameters:
            steps.outputs.parameters[name] = OutputParameter(
                value_from_parameter=step.outputs.parameters[name]
            )
