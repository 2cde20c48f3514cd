"""``DispatcherExecutor`` steps on Argo: the pod that submits the job, its secrets by reference only."""

from __future__ import annotations

import json

import pytest

from dflow_jupyter import ShellOPTemplate, Step, Workflow, argo_range
from dflow_jupyter.plugins.dispatcher import DispatcherConfigError, DispatcherExecutor
from dflow_jupyter.python import PythonOPTemplate, Slices

from .ops import square
from .workflows_hpc import KEY_FILE, PASSWORD, dispatcher, ssh_executor


def _templates(manifest: dict) -> dict[str, dict]:
    return {t["name"]: t for t in manifest["spec"]["templates"]}


def test_no_configured_secret_appears_in_the_manifest() -> None:
    text = json.dumps(dispatcher().to_dict())
    assert PASSWORD not in text
    assert KEY_FILE not in text  # only the key's base name, inside the pod's mounted Secret


def test_the_password_and_key_come_from_kubernetes_secrets() -> None:
    plus = _templates(dispatcher().to_dict())["plus"]
    env = {e["name"]: e for e in plus["script"]["env"]}
    assert env["DFLOW_DISPATCHER_PASSWORD"]["valueFrom"] == {
        "secretKeyRef": {"name": "hpc-login", "key": "password"}
    }
    (volume,) = plus["volumes"]
    assert volume["secret"]["secretName"] == "hpc-key"
    assert volume["secret"]["defaultMode"] == 0o600
    assert {"name": volume["name"], "mountPath": "/root/.ssh"} in plus["script"]["volumeMounts"]


def test_the_pod_script_is_valid_python_and_submits_through_dpdispatcher() -> None:
    for template in dispatcher().to_dict()["spec"]["templates"]:
        if "script" in template:
            source = template["script"]["source"]
            compile(source, template["name"], "exec")
            assert "submission.run_submission(" in source
            assert "signal.signal(signal.SIGTERM" in source  # Argo's terminate cancels the job


def test_scheduling_strategies_leave_the_submitting_pod() -> None:
    count = _templates(dispatcher().to_dict())["count"]
    assert "nodeSelector" not in count
    assert count["script"]["resources"] == {"requests": {"ephemeral-storage": "1Gi"}}


@pytest.mark.parametrize("field", ["password", "private_key_file"])
def test_a_secret_without_its_kubernetes_secret_is_refused_unshown(field: str) -> None:
    settings = {"password": PASSWORD} if field == "password" else {"private_key_file": KEY_FILE}
    executor = DispatcherExecutor(host="login.hpc.example", **settings)
    wf = Workflow("secret")
    wf.add(Step("a", PythonOPTemplate(square, image="python:3.11"), parameters={"x": 2}, executor=executor))
    with pytest.raises(DispatcherConfigError, match="Kubernetes Secret") as info:
        wf.to_dict()
    assert PASSWORD not in str(info.value)


def test_merge_sliced_step_is_refused_for_argo_with_the_way_out() -> None:
    template = PythonOPTemplate(
        square, image="python:3.11", slices=Slices(input_parameter=["x"], output_parameter=["y"])
    )
    executor = DispatcherExecutor(merge_sliced_step=True)
    wf = Workflow("merged")
    wf.add(Step("fan", template, parameters={"x": [1, 2]}, with_param=argo_range(2), executor=executor))
    with pytest.raises(DispatcherConfigError, match="merge_sliced_step"):
        wf.to_dict()


def test_a_container_runtime_runs_the_script_in_its_image_inside_the_job() -> None:
    hello = ShellOPTemplate("hello", image="alpine:3.20", script="echo hi > /tmp/x")
    executor = DispatcherExecutor(
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        singularity_executable="apptainer",
    )
    wf = Workflow("boxed")
    wf.add(Step("hello", hello, executor=executor))
    source = _templates(wf.to_dict())["hello"]["script"]["source"]
    assert "apptainer exec" in source and "docker://alpine:3.20" in source
    assert "echo hi > /tmp/x" in source  # the container's own /tmp: no mapping


def test_repr_and_settings_never_show_the_password() -> None:
    assert PASSWORD not in repr(ssh_executor())


def test_executor_envs_reach_the_job_and_may_reference_secrets() -> None:
    executor = DispatcherExecutor(
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        envs={"MODE": "fast", "TOKEN": {"valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}},
    )
    wf = Workflow("envs")
    wf.add(Step("hello", ShellOPTemplate("hello", image="alpine:3.20", script="echo hi"), executor=executor))
    template = _templates(wf.to_dict())["hello"]
    env = {e["name"]: e for e in template["script"]["env"]}
    assert env["MODE"] == {"name": "MODE", "value": "fast"}
    assert env["TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "api", "key": "token"}}
    assert "names = ['MODE', 'TOKEN', 'ARGO_TEMPLATE']" in template["script"]["source"]
