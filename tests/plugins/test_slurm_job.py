"""dflow's ``SlurmJob``/``SlurmJobTemplate`` and ``Resource``: importable where dflow users import
them; Argo-only, so the debug backend says so. Their manifests: tests/argo/expected/."""

from __future__ import annotations

import pytest

import dflow_jupyter
from dflow_jupyter import OutputParameter, Outputs, ShellOPTemplate, Step, Workflow
from dflow_jupyter.model.resource import Resource, ResourceOPTemplate
from dflow_jupyter.plugins.container import ContainerExecutor
from dflow_jupyter.plugins.slurm import SlurmJob, SlurmJobTemplate


def test_dflows_names_are_exported_at_the_top() -> None:
    assert dflow_jupyter.Resource is Resource
    assert dflow_jupyter.SlurmJob is SlurmJob
    assert dflow_jupyter.SlurmJobTemplate is SlurmJobTemplate
    assert dflow_jupyter.ContainerExecutor is ContainerExecutor
    assert issubclass(SlurmJob, Resource)


def test_a_slurm_job_is_dflows_wlm_operator_object() -> None:
    template = ShellOPTemplate("t", image="alpine", script="echo hi > /tmp/x")
    job = SlurmJob(header="#SBATCH -N 1", node_selector={"partition": "cpu"}, workdir="/w")
    manifest = job.get_manifest(template)
    assert (manifest["apiVersion"], manifest["kind"]) == ("wlm.sylabs.io/v1alpha1", "SlurmJob")
    assert manifest["metadata"] == {"name": "{{pod.name}}"}
    assert manifest["spec"]["nodeSelector"] == {"partition": "cpu"}
    batch = manifest["spec"]["batch"]
    assert batch.startswith("#SBATCH -N 1\nmkdir -p /w\ncd /w\n")
    assert "echo hi > /w/tmp/x" in batch and batch.endswith("sh script\n")
    assert (job.action, job.success_condition, job.failure_condition) == (
        "create",
        "status.status == Succeeded",
        "status.status == Failed",
    )


def test_a_resource_without_get_manifest_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="get_manifest"):
        Resource()  # type: ignore[abstract]


def test_the_debug_backend_refuses_a_slurm_job_template_clearly() -> None:
    template = ShellOPTemplate(
        "relax",
        image="alpine",
        script="echo 3 > /tmp/n",
        outputs=Outputs(parameters={"n": OutputParameter(value_from_path="/tmp/n")}),
    )
    wf = Workflow("wlm")
    wf.add(Step("relax", template, executor=SlurmJobTemplate()))
    wf.submit()
    assert wf.query_status() == "Error"
    [pod] = wf.query_step(name="relax")
    assert "wlm-operator SlurmJob, which needs the Argo backend" in pod.message
    assert "DispatcherExecutor" in pod.message


def test_a_resource_template_says_it_needs_argo() -> None:
    assert "only the Argo backend" in ResourceOPTemplate("r", manifest="kind: ConfigMap").argo_only
