"""A compiled Python OP's script, run as its pod would run it: inputs in, outputs and exit codes out.

No cluster: the test plays Argo's part, setting the environment variables the template declares
(with ``{{inputs.parameters.x}}`` filled in), placing input artifacts under the template's
``tmp_root`` and reading the outputs from where the template declares them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dflow_jupyter import S3Artifact, Step, Workflow, argo_range
from dflow_jupyter.python import PythonOPTemplate, Slices

from .ops import Plus, count_lines, read_all, square, write_file

REPO = Path(__file__).resolve().parents[2]
_UPLOADED = S3Artifact(key="upload/x", debug_s3=True)


def _template(step: Step) -> dict[str, Any]:
    wf = Workflow("pod")
    wf.add(step)
    manifest = wf.to_dict()
    entries = [s for group in manifest["spec"]["templates"][0]["steps"] for s in group]
    name = next(s["template"] for s in entries if s["name"] == step.name)
    return next(t for t in manifest["spec"]["templates"] if t["name"] == name)


def _run_pod(template: dict[str, Any], tmp: Path, **params: str) -> subprocess.CompletedProcess[str]:
    """Fill the template's environment as Argo would and run its script in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for entry in template["script"].get("env", []):
        value = entry["value"]
        for name, given in params.items():
            value = value.replace("{{inputs.parameters.%s}}" % name, given)
        env[entry["name"]] = value.replace("{{workflow.name}}", "wf-abc")
    script = tmp / "script.py"
    script.write_text(template["script"]["source"])
    return subprocess.run(
        [sys.executable, str(script)], env=env, cwd=tmp, capture_output=True, text=True, timeout=120
    )


def _output(tmp: Path, name: str) -> str:
    return (tmp / "outputs" / "parameters" / name).read_text()


def test_a_class_op_reads_its_parameters_and_writes_its_outputs(tmp_path: Path) -> None:
    template = _template(
        Step("a", PythonOPTemplate(Plus, image="x", tmp_root=str(tmp_path)), parameters={"x": 1})
    )
    done = _run_pod(template, tmp_path, x="41")
    assert done.returncode == 0, done.stderr
    assert _output(tmp_path, "y") == "42"


def test_transient_and_fatal_errors_exit_1_and_2(tmp_path: Path) -> None:
    template = _template(
        Step("a", PythonOPTemplate(Plus, image="x", tmp_root=str(tmp_path)), parameters={"x": 1})
    )
    transient = _run_pod(template, tmp_path, x="-1")
    fatal = _run_pod(template, tmp_path, x="101")
    assert (transient.returncode, fatal.returncode) == (1, 2)
    assert "TransientError: negative" in transient.stderr and "FatalError: too big" in fatal.stderr


def test_a_slice_takes_its_element_of_the_list(tmp_path: Path) -> None:
    sliced = PythonOPTemplate(square, image="x", tmp_root=str(tmp_path), slices=Slices(input_parameter=["x"]))
    template = _template(Step("s", sliced, parameters={"x": [3, 1, 2]}, with_param=argo_range(3)))
    done = _run_pod(template, tmp_path, x="[3, 1, 2]", dflow_slice="2")
    assert done.returncode == 0, done.stderr
    assert _output(tmp_path, "y") == "4"


def test_a_group_of_slices_writes_its_values_with_their_order(tmp_path: Path) -> None:
    grouped = PythonOPTemplate(
        square,
        image="x",
        tmp_root=str(tmp_path),
        slices=Slices(input_parameter=["x"], output_parameter=["y"], group_size=2),
    )
    template = _template(Step("g", grouped, parameters={"x": [1, 2, 3, 4, 5]}, with_param=argo_range(5)))
    # The item is the group's index (as in the debug engine): group 2 holds slice 4 alone.
    done = _run_pod(template, tmp_path, x="[1, 2, 3, 4, 5]", dflow_slice="2")
    assert done.returncode == 0, done.stderr
    assert json.loads(_output(tmp_path, "y")) == [{"dflow_list_item": 25, "order": 4}]
    done = _run_pod(template, tmp_path, x="[1, 2, 3, 4, 5]", dflow_slice="1")
    assert done.returncode == 0, done.stderr
    assert json.loads(_output(tmp_path, "y")) == [
        {"dflow_list_item": 9, "order": 2},
        {"dflow_list_item": 16, "order": 3},
    ]


def test_stacked_artifacts_of_two_items_read_back_as_one_list(tmp_path: Path) -> None:
    """Two items write into the same key (here: the same directory), a reader sees one list."""
    merged = tmp_path / "merged"
    for index in (1, 0):  # items may finish in any order: the catalog orders keep the list order
        pod = tmp_path / f"item{index}"
        pod.mkdir()
        slices = Slices(input_parameter=["name"], output_artifact=["out"], create_dir=True)
        writer = PythonOPTemplate(write_file, image="x", tmp_root=str(pod), slices=slices)
        template = _template(Step("w", writer, parameters={"name": ["a", "b"]}, with_param=argo_range(2)))
        done = _run_pod(template, pod, name='["a", "b"]', dflow_slice=str(index))
        assert done.returncode == 0, done.stderr
        _copy_tree(pod / "outputs" / "artifacts" / "out", merged)
    reader_pod = tmp_path / "reader"
    (reader_pod / "inputs" / "artifacts").mkdir(parents=True)
    _copy_tree(merged, reader_pod / "inputs" / "artifacts" / "files")
    reader = _template(
        Step(
            "r",
            PythonOPTemplate(read_all, image="x", tmp_root=str(reader_pod)),
            artifacts={"files": _UPLOADED},
        )
    )
    done = _run_pod(reader, reader_pod)
    assert done.returncode == 0, done.stderr
    assert _output(reader_pod, "joined") == "a,b"


def _copy_tree(src: Path, dest: Path) -> None:
    import shutil

    shutil.copytree(src, dest, dirs_exist_ok=True)


def test_an_input_artifact_without_catalog_and_a_default_parameter(tmp_path: Path) -> None:
    (tmp_path / "inputs" / "artifacts").mkdir(parents=True)
    (tmp_path / "inputs" / "artifacts" / "f").write_text("one\ntwo\n")
    template = _template(
        Step(
            "c", PythonOPTemplate(count_lines, image="x", tmp_root=str(tmp_path)), artifacts={"f": _UPLOADED}
        )
    )
    done = _run_pod(template, tmp_path, prefix="lines")
    assert done.returncode == 0, done.stderr
    assert (_output(tmp_path, "n"), _output(tmp_path, "label")) == ("2", "lines")
