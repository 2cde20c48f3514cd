"""``DispatcherExecutor`` steps on Argo: the pod that submits the job, its secrets by reference only."""

from __future__ import annotations

import json

import pytest

from dflow_jupyter import S3Artifact, ShellOPTemplate, Step, Workflow, argo_range, argo_sequence
from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.plugins.dispatcher import DispatcherConfigError, DispatcherExecutor
from dflow_jupyter.python import PythonOPTemplate, Slices

from .ops import count_lines, square
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


def _merged_step(slices: Slices, **step: object) -> Workflow:
    template = PythonOPTemplate(square, image="python:3.11", slices=slices)
    wf = Workflow("merged")
    settings = {"with_param": argo_range(3), **step}
    wf.add(
        Step(
            "fan",
            template,
            parameters={"x": [1, 2, 3]},
            executor=DispatcherExecutor(merge_sliced_step=True),
            **settings,
        )
    )
    return wf


def test_a_merged_sliced_step_is_one_pod_that_takes_the_items() -> None:
    manifest = _merged_step(Slices(input_parameter=["x"], output_parameter=["y"])).to_dict()
    [[entry]] = _templates(manifest)["merged"]["steps"]
    assert "withParam" not in entry
    arguments = {p["name"]: p["value"] for p in entry["arguments"]["parameters"]}
    assert arguments == {"x": "[1, 2, 3]", "dflow_with_param": "{{=toJson(sprig.untilStep(0, 3, 1))}}"}
    square_pod = _templates(manifest)["square"]
    inputs = [p["name"] for p in square_pod["inputs"]["parameters"]]
    assert "dflow_slice" not in inputs and "dflow_with_param" in inputs
    source = square_pod["script"]["source"]
    compile(source, "square", "exec")
    assert "forward_common_files=forward_common_files" in source
    # The item list stays in the pod: never exported into every task's command.
    assert "names = ['DFLOW_INPUT_x', 'DFLOW_WORKFLOW_NAME', 'ARGO_TEMPLATE']" in source


def test_a_merged_step_is_keyed_as_its_first_item_as_in_dflow() -> None:
    wf = _merged_step(Slices(input_parameter=["x"], output_parameter=["y"]), key="fan-{{item}}")
    [[entry]] = _templates(wf.to_dict())["merged"]["steps"]
    arguments = {p["name"]: p["value"] for p in entry["arguments"]["parameters"]}
    assert arguments["dflow_key"] == "fan-0"


def test_item_tags_in_a_merged_step_are_refused_with_the_way_out() -> None:
    template = PythonOPTemplate(
        count_lines, image="python:3.11", slices=Slices(input_artifact=["f"], output_parameter=["n"])
    )
    wf = Workflow("merged")
    step = Step(
        "a",
        template,
        parameters={"prefix": "p{{item}}"},
        artifacts={"f": S3Artifact(key="k", debug_s3=True)},
        with_param=argo_range(2),
        executor=DispatcherExecutor(merge_sliced_step=True),
    )
    wf.add(step)
    with pytest.raises(CompileError, match=r"cannot use \{\{item\}\}: slice the list inputs"):
        wf.to_dict()


def test_a_merged_sequence_passes_its_fields() -> None:
    wf = _merged_step(
        Slices(input_parameter=["x"], output_parameter=["y"]),
        with_param=None,
        with_sequence=argo_sequence(3, start=1, format="%02d"),
    )
    [[entry]] = _templates(wf.to_dict())["merged"]["steps"]
    assert "withSequence" not in entry
    arguments = {p["name"]: p["value"] for p in entry["arguments"]["parameters"]}
    assert arguments["dflow_sequence_count"] == "3"
    assert arguments["dflow_sequence_start"] == "1"
    assert arguments["dflow_sequence_format"] == "%02d"


@pytest.mark.parametrize(
    ("slices", "step", "match"),
    [
        (Slices(input_parameter=["x"], output_parameter=["y"], group_size=2), {}, "group_size"),
        (Slices("{{=item * 2}}", input_parameter=["x"], output_parameter=["y"]), {}, r"\{\{item.<key>\}\}"),
        (
            Slices(input_parameter=["x"], output_parameter=["y"]),
            {"continue_on_num_success": 2},
            "continue_on_num_success",
        ),
    ],
)
def test_what_a_merged_pod_cannot_do_is_refused_with_the_way_out(
    slices: Slices, step: dict, match: str
) -> None:
    with pytest.raises((DispatcherConfigError, CompileError), match=match):
        _merged_step(slices, **step).to_dict()


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
