"""The compiler's rules beyond the fixtures: errors that name what to fix, merging, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflow_jupyter import S3Artifact, ShellOPTemplate, Step, Workflow, upload_artifact
from dflow_jupyter.argo.compile import CompileError
from dflow_jupyter.argo.compile.pod import memoize_of
from dflow_jupyter.config import config
from dflow_jupyter.python import PythonOPTemplate, Slices

from .ops import Plus, count_lines


def _templates(*steps: Step) -> dict[str, dict]:
    wf = Workflow("rules")
    for step in steps:
        wf.add(step)
    return {t["name"]: t for t in wf.to_dict()["spec"]["templates"]}


def test_a_template_without_image_is_named_in_the_error() -> None:
    with pytest.raises(CompileError, match=r"template 'plus' has no image.*argo_default_image"):
        _templates(Step("a", PythonOPTemplate(Plus), parameters={"x": 1}))
    config["argo_default_image"] = "registry/python:3.11"
    assert (
        _templates(Step("a", PythonOPTemplate(Plus), parameters={"x": 1}))["plus"]["script"]["image"]
        == "registry/python:3.11"
    )


def test_a_file_of_the_local_debug_store_cannot_reach_a_cluster(tmp_path) -> None:
    (tmp_path / "f.txt").write_text("x")
    local = upload_artifact(str(tmp_path / "f.txt"))
    step = Step("c", PythonOPTemplate(count_lines, image="x"), artifacts={"f": local})
    with pytest.raises(CompileError, match=r"step 'c' input artifact 'f'.*local debug store"):
        _templates(step)


def test_unsupported_features_fail_with_a_reason() -> None:
    shell = ShellOPTemplate("sh", image="alpine", script="true")
    with pytest.raises(CompileError, match="Slices need a Python OP"):
        _templates(Step("s", shell, slices=Slices(input_parameter=[]), with_param=[1]))
    with pytest.raises(CompileError, match="success_hook"):
        _templates(Step("h", shell, success_hook=object()))


def test_identical_templates_merge_and_different_ones_keep_apart() -> None:
    one = ShellOPTemplate("echo", image="alpine", script="echo 1")
    same = ShellOPTemplate("echo-again", image="alpine", script="echo 1")
    other = ShellOPTemplate("echo", image="alpine", script="echo 2")
    templates = _templates(Step("a", one), Step("b", same), Step("c", other))
    assert sorted(templates) == ["echo", "echo-2", "rules"]
    steps = [s[0]["template"] for s in templates["rules"]["steps"]]
    assert steps == ["echo", "echo", "echo-2"]


def test_a_thousand_steps_of_one_op_share_one_template() -> None:
    template = PythonOPTemplate(Plus, image="x")
    wf = Workflow("many")
    previous = None
    for i in range(1000):
        step = Step(f"s{i}", template, parameters={"x": previous.outputs.parameters["y"] if previous else 0})
        wf.add(step)
        previous = step
    templates = wf.to_dict()["spec"]["templates"]
    assert [t["name"] for t in templates] == ["many", "plus"]


def test_memoize_follows_the_target_version() -> None:
    template = ShellOPTemplate("m", image="alpine", script="true", memoize_key="k-{{inputs.parameters.x}}")
    assert memoize_of(template)["cache"]["configMap"] == {"name": "dflow-memoize"}
    config["argo_version"] = "3.7.18"
    assert memoize_of(template)["cache"]["configMap"] == {"name": "dflow-memoize", "key": "memoize"}


def test_uploaded_artifacts_and_global_workflow_settings() -> None:
    step = Step(
        "c",
        PythonOPTemplate(count_lines, image="x"),
        artifacts={"f": S3Artifact(key="k/data", debug_s3=True)},
    )
    config["workflow_annotations"] = {"team": "a"}
    wf = Workflow("settings", parameters={"n": 3, "names": ["a"]})
    wf.add(step)
    manifest = wf.to_dict()
    assert manifest["metadata"] == {"generateName": "settings-", "annotations": {"team": "a"}}
    assert manifest["spec"]["arguments"] == {
        "parameters": [{"name": "n", "value": "3"}, {"name": "names", "value": '["a"]'}]
    }
    assert manifest["spec"]["templates"][0]["steps"][0][0]["arguments"]["artifacts"] == [
        {"name": "f", "s3": {"key": "k/data"}}
    ]


def test_a_dag_with_stacked_artifacts_and_a_success_check_lints_clean() -> None:
    from dflow_jupyter import DAG, Task, argo_range
    from dflow_jupyter.argo.lint.api import lint_manifest

    from .ops import read_all, square, write_file

    writer = PythonOPTemplate(
        write_file, image="x", slices=Slices(input_parameter=["name"], output_artifact=["out"])
    )
    write = Task("write", writer, parameters={"name": ["a", "b"]}, with_param=argo_range(2))
    read = Task(
        "read", PythonOPTemplate(read_all, image="x"), artifacts={"files": write.outputs.artifacts["out"]}
    )
    fan = Task(
        "fan",
        PythonOPTemplate(square, image="x"),
        parameters={"x": "{{item}}"},
        with_param=[1, 2],
        continue_on_num_success=1,
    )
    after = Task("after", PythonOPTemplate(square, image="x"), parameters={"x": 1}, dependencies=[fan])
    wf = Workflow("dag-slices", dag=DAG("main", tasks=[write, read, fan, after]))
    manifest = wf.to_dict()
    tasks = {t["name"]: t for t in manifest["spec"]["templates"][0]["dag"]["tasks"]}
    assert tasks["write"]["dependencies"] == ["write-init-artifact"]
    assert (
        tasks["read"]["arguments"]["artifacts"][0]["from"]
        == "{{tasks.write-init-artifact.outputs.artifacts.out}}"
    )
    assert tasks["fan-check-num-success"]["dependencies"] == ["fan"]
    assert tasks["after"]["dependencies"] == ["fan", "fan-check-num-success"]
    for version in ("4.1.2", "3.7.18"):
        assert not lint_manifest(manifest, version=version)


def test_import_dflow_jupyter_loads_neither_yaml_nor_jsonschema() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dflow_jupyter\nfrom dflow_jupyter import Workflow\n"
        "print(sorted(m for m in ('yaml', 'jsonschema', 'dflow_jupyter.argo') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_local_packages_are_refused_rather_than_forgotten() -> None:
    with pytest.raises(CompileError, match=r"local packages.*install them in the image"):
        _templates(
            Step("a", PythonOPTemplate(Plus, image="x", python_packages=["mypkg"]), parameters={"x": 1})
        )
