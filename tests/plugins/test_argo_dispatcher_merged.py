"""``merge_sliced_step`` on Argo: the one pod of a sliced fan-out, run here against the real local Slurm.

As in ``test_argo_dispatcher_pod.py``, what Argo would do is done by hand (tags substituted, env
set, input artifacts placed under ``tmp/``, the script run from a directory named ``workdir``).
The pod must submit one task per slice in one submission and stack the slices' outputs where
the template declares them, as Argo stacks a fan-out's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter import S3Artifact, Step, Workflow, argo_range, argo_sequence
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor
from dflow_jupyter.python import PythonOPTemplate, Slices
from dflow_jupyter.storage.catalog import read_catalog, write_catalog

from .conftest import pod_job_ids, run_pod_script, squeue_states
from .pod_ops import cube, picky, shout

pytestmark = [pytest.mark.slurm, pytest.mark.usefixtures("slurm_cluster")]


def _merged(group_size: int) -> DispatcherExecutor:
    return DispatcherExecutor(
        queue_name="debug",
        remote_command=sys.executable,  # the cluster's python3, with this package
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        resources_dict={"number_node": 1, "cpu_per_node": 1, "group_size": group_size},
        merge_sliced_step=True,
        clean=False,
    )


def _pod(wf: Workflow, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The step's template and the arguments its step passes (the pod's one set of inputs)."""
    manifest = wf.to_dict()
    template = next(t for t in manifest["spec"]["templates"] if t["name"] == name)
    entry = next(
        s
        for t in manifest["spec"]["templates"]
        for g in t.get("steps", [])
        for s in g
        if s["template"] == name
    )
    assert "withParam" not in entry and "withSequence" not in entry  # one pod, no fan-out
    return template, {p["name"]: p["value"] for p in entry["arguments"]["parameters"]}


def _run_pod(template: dict[str, Any], root: Path, arguments: dict[str, str], ok: bool = True) -> str:
    return run_pod_script(template, root, arguments, "argo-merged-test", ok=ok)


def test_four_slices_run_as_tasks_of_one_submission_and_their_outputs_stack(tmp_path: Path) -> None:
    template = PythonOPTemplate(
        shout,
        image="python:3.11",
        slices=Slices(
            input_parameter=["x"], input_artifact=["f"], output_parameter=["y"], output_artifact=["out"]
        ),
    )
    wf = Workflow("argo-merged")
    files = S3Artifact(key="upload/files", debug_s3=True)
    step = Step(
        "shout",
        template,
        parameters={"x": [3, 1, 2, 5]},
        artifacts={"f": files},
        with_param=argo_range(4),
        executor=_merged(group_size=2),
    )
    wf.add(step)
    pod, arguments = _pod(wf, "shout")
    root = tmp_path / "workdir"
    # Where Argo puts the sliced input artifact: one file per slice, with dflow's catalog.
    f = root / "tmp" / "inputs" / "artifacts" / "f"
    f.mkdir(parents=True)
    for word in ["three", "one", "two", "five"]:
        (f / f"{word}.txt").write_text(word)
    write_catalog(
        str(f),
        [{"dflow_list_item": f"{w}.txt", "order": i} for i, w in enumerate(["three", "one", "two", "five"])],
    )
    arguments["dflow_with_param"] = json.dumps(json.loads("[0, 1, 2, 3]"))  # Argo's value of argo_range(4)
    _run_pod(pod, root, arguments)

    # Stacked as Argo aggregates a fan-out's items: their output strings, in item order.
    assert json.loads((root / "tmp" / "outputs" / "parameters" / "y").read_text()) == ["27", "1", "8", "125"]
    out = root / "tmp" / "outputs" / "artifacts" / "out"
    assert {p.name: p.read_text() for p in out.glob("*.txt")} == {
        "3.txt": "THREE",
        "1.txt": "ONE",
        "2.txt": "TWO",
        "5.txt": "FIVE",
    }
    items = sorted(read_catalog(str(out)).items, key=lambda i: i["order"])
    assert [(i["dflow_list_item"], i["order"]) for i in items] == [
        ("3.txt", 0),
        ("1.txt", 1),
        ("2.txt", 2),
        ("5.txt", 3),
    ]
    # One submission, one task directory per slice, two tasks per job (group_size=2).
    assert sorted(p.name for p in root.glob("slice-*")) == ["slice-0", "slice-1", "slice-2", "slice-3"]
    ids = pod_job_ids(root)
    assert len(ids) == 2 and set(squeue_states(ids).values()) == {"COMPLETED"}


def test_a_sequence_of_slices_with_shuffled_order_keeps_each_result_at_its_slice(tmp_path: Path) -> None:
    template = PythonOPTemplate(
        cube,
        image="python:3.11",
        slices=Slices(input_parameter=["x"], output_parameter=["y"], shuffle=True, random_seed=7),
    )
    wf = Workflow("argo-merged")
    wf.add(
        Step(
            "cube", template, parameters={"x": [1, 2, 3]}, with_sequence=argo_sequence(3), executor=_merged(5)
        )
    )
    pod, arguments = _pod(wf, "cube")
    assert arguments["dflow_sequence_count"] == "3"
    root = tmp_path / "workdir"
    root.mkdir()
    _run_pod(pod, root, arguments)
    # Item i ran slice order[i] of the seeded permutation, as the unmerged pods would.
    import random

    order = list(range(3))
    random.Random(7).shuffle(order)
    expected = [str([1, 2, 3][k] ** 3) for k in order]
    assert json.loads((root / "tmp" / "outputs" / "parameters" / "y").read_text()) == expected
    assert len(pod_job_ids(root)) == 1


def test_an_empty_fan_out_submits_nothing_and_stacks_empty_outputs(tmp_path: Path) -> None:
    template = PythonOPTemplate(
        cube, image="python:3.11", slices=Slices(input_parameter=["x"], output_parameter=["y"])
    )
    wf = Workflow("argo-merged")
    wf.add(Step("cube", template, parameters={"x": []}, with_param=[], executor=_merged(5)))
    pod, arguments = _pod(wf, "cube")
    assert arguments["dflow_with_param"] == "[]"
    root = tmp_path / "workdir"
    root.mkdir()
    _run_pod(pod, root, arguments)
    assert (root / "tmp" / "outputs" / "parameters" / "y").read_text() == "[]"
    assert not (root / "remote").exists()  # no submission, no job


def test_a_failing_slice_fails_the_pod_with_its_error(tmp_path: Path) -> None:
    template = PythonOPTemplate(
        picky, image="python:3.11", slices=Slices(input_parameter=["x"], output_parameter=["y"])
    )
    wf = Workflow("argo-merged")
    wf.add(
        Step("picky", template, parameters={"x": [1, -2, 3]}, with_param=argo_range(3), executor=_merged(5))
    )
    pod, arguments = _pod(wf, "picky")
    arguments["dflow_with_param"] = "[0, 1, 2]"
    root = tmp_path / "workdir"
    root.mkdir()
    output = _run_pod(pod, root, arguments, ok=False)
    assert "no negative numbers: -2" in output
    assert not (root / "tmp" / "outputs" / "parameters" / "y").exists()  # nothing half-stacked
    assert len(pod_job_ids(root)) == 1  # one job, not resubmitted
