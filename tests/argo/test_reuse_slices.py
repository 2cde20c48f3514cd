"""``reuse_step`` for the items of a sliced fan-out: memoized per rendered key, as the debug backend reuses them.

The debug engine gives a ``Slices(group_size=...)`` fan-out one item per group (0, 1, 2...) and
renders the key ``"sq-{{item}}"`` per item. The compiled manifest must make Argo render the same
keys, and memoize each keyed item under ``<workflow id>-<key>`` in the ConfigMap
``dflow-<workflow id>-<key>``: the names ``argo.memoize`` gives the entries of reused steps.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from dflow_jupyter import Step, Workflow, argo_range, config
from dflow_jupyter.argo import lint_manifest
from dflow_jupyter.argo.memoize import config_map, memoize_entries
from dflow_jupyter.python import PythonOPTemplate, Slices
from dflow_jupyter.status.model import Node
from dflow_jupyter.status.query import ArgoStep

from .ops import square, write_file

IMAGE = "python:3.11"


def _workflow(group_size: int | None) -> Workflow:
    slices = Slices(input_parameter=["x"], output_parameter=["y"], group_size=group_size)
    wf = Workflow("reuse-slices")
    wf.add(
        Step(
            "sq",
            PythonOPTemplate(square, image=IMAGE, slices=slices),
            parameters={"x": [1, 2, 3, 4, 5]},
            with_param=argo_range(5),
            key="sq-{{item}}",
        )
    )
    return wf


def _sq_step(manifest: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``sq`` step of the entry template and the leaf template it runs."""
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    entry = templates[manifest["spec"]["entrypoint"]]
    [step] = [s for group in entry["steps"] for s in group if s["name"] == "sq"]
    return step, templates[step["template"]]


def _argo_items(step: dict[str, Any]) -> list[Any]:
    items = step["withParam"]
    if items.startswith("{{="):
        from dflow_jupyter.expr import evaluate_expression

        items = evaluate_expression(items[3:-2], {})
    return list(json.loads(items))


def _render(text: str, item: Any) -> str:
    return text.replace("{{item}}", str(item))


@pytest.mark.parametrize("group_size", [None, 2])
def test_reused_items_of_a_sliced_fan_out_are_memoized_under_the_keys_the_debug_run_gave(
    group_size: int | None,
) -> None:
    debug = _workflow(group_size)
    debug.submit()
    assert debug.query_status() == "Succeeded"
    debug_keys = sorted(s.key for s in debug.query_step(type="Pod"))
    assert debug_keys == (["sq-0", "sq-1", "sq-2"] if group_size else [f"sq-{i}" for i in range(5)])
    [reused] = debug.query_step(key="sq-1")

    wf = _workflow(group_size)
    wf.id = "reuse-slices-ab12c"
    manifest = wf.to_dict(reuse_step=[reused])
    step, leaf = _sq_step(manifest)
    key_template = next(p["value"] for p in step["arguments"]["parameters"] if p["name"] == "dflow_key")
    # Argo renders the key per item: the same keys as the debug run.
    assert sorted(_render(key_template, item) for item in _argo_items(step)) == debug_keys
    memo = leaf["memoize"]
    assert memo["key"] == "reuse-slices-ab12c-{{inputs.parameters.dflow_key}}"
    assert memo["cache"]["configMap"]["name"] == "dflow-" + memo["key"]
    # What the controller looks up for item 1 is what reuse_step stores for the reused step.
    entries, _ = memoize_entries(wf.id, [reused])
    looked_up = memo["key"].replace("{{inputs.parameters.dflow_key}}", _render(key_template, 1))
    assert list(entries) == [looked_up] == ["reuse-slices-ab12c-sq-1"]
    stored = config_map(looked_up, entries[looked_up])
    assert stored["metadata"]["name"] == memo["cache"]["configMap"]["name"].replace(
        "{{inputs.parameters.dflow_key}}", "sq-1"
    )
    assert json.loads(stored["data"][looked_up])["outputs"]["parameters"][0]["name"] == "y"
    for version in ("4.1.2", "3.7.18"):
        config["argo_version"] = version
        report = lint_manifest(wf.to_dict(reuse_step=[reused]), version=version)
        assert not report, str(report)


def test_without_reuse_step_nothing_is_memoized_and_groups_are_indices() -> None:
    wf = _workflow(2)
    step, leaf = _sq_step(wf.to_dict())
    assert "memoize" not in leaf
    assert _argo_items(step) == [0, 1, 2]  # group indices, as the debug engine numbers them


def test_compiling_for_reuse_chooses_an_id_when_there_is_none() -> None:
    wf = _workflow(None)
    manifest = wf.to_dict(reuse_step=[{"key": "sq-0"}])
    assert wf.id and re.fullmatch(r"reuse-slices-[a-z0-9]{5}", wf.id)
    assert manifest["metadata"]["name"] == wf.id
    assert _sq_step(manifest)[1]["memoize"]["key"].startswith(wf.id + "-")


def _writer(key: str | None = "w-{{item}}") -> Workflow:
    slices = Slices(input_parameter=["name"], output_artifact=["out"])
    wf = Workflow("reuse-stacked", id="reuse-stacked-xy34z")
    wf.add(
        Step(
            "w",
            PythonOPTemplate(write_file, image=IMAGE, slices=slices),
            parameters={"name": ["a", "b", "c"]},
            with_param=argo_range(3),
            key=key,
        )
    )
    return wf


def _reused_item() -> ArgoStep:
    """An item of an earlier Argo run of ``_writer``, as its status node records it."""
    node = Node.from_argo(
        {
            "id": "reuse-stacked-old11-2001",
            "name": "reuse-stacked-old11[0].w(1:1)",
            "type": "Pod",
            "phase": "Succeeded",
            "finishedAt": "2026-11-30T10:00:00Z",
            "inputs": {
                "parameters": [
                    {"name": "name", "value": '["a", "b", "c"]'},
                    {"name": "dflow_key", "value": "w-1"},
                    {"name": "dflow_slice", "value": "1"},
                    {"name": "dflow_artifact_key", "value": "reuse-stacked-old11/reuse-stacked-old11-1001"},
                    {"name": "dflow_group_key", "value": "w-group"},
                ]
            },
            "outputs": {
                "artifacts": [
                    {"name": "out", "s3": {"key": "reuse-stacked-old11/reuse-stacked-old11-1001/out"}},
                    {
                        "name": "main-logs",
                        "s3": {"key": "reuse-stacked-old11/reuse-stacked-old11-2001/main.log"},
                    },
                ]
            },
        }
    )
    return ArgoStep(node, "reuse-stacked-old11")


def test_reused_items_with_stacked_outputs_keep_the_key_they_wrote_into() -> None:
    """dflow's rule: the init-artifact step is memoized per group key, so the new run's items write
    their stacked outputs where the reused items' are."""
    reused = _reused_item()
    wf = _writer()
    manifest = wf.to_dict(reuse_step=[reused])
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    entry = templates[manifest["spec"]["entrypoint"]]
    steps = {s["name"]: s for group in entry["steps"] for s in group}
    init_step, item_step = steps["w-init-artifact"], steps["w"]
    assert init_step["arguments"]["parameters"] == [{"name": "dflow_group_key", "value": "w-group"}]
    item_args = {p["name"]: p["value"] for p in item_step["arguments"]["parameters"]}
    assert item_args["dflow_group_key"] == "w-group" and item_args["dflow_key"] == "w-{{item}}"
    memo = templates[init_step["template"]]["memoize"]
    looked_up = memo["key"].replace("{{inputs.parameters.dflow_group_key}}", "w-group")
    entries, _ = memoize_entries(wf.id, [reused])
    assert (
        sorted(entries) == [f"{wf.id}-w-1", looked_up] == [f"{wf.id}-w-1", f"{wf.id}-w-group-init-artifact"]
    )
    init = entries[looked_up]["outputs"]
    assert init["parameters"] == [
        {"name": "dflow_artifact_key", "value": "reuse-stacked-old11/reuse-stacked-old11-1001"}
    ]
    assert init["artifacts"] == [
        {
            "name": "out",
            "s3": {"key": "reuse-stacked-old11/reuse-stacked-old11-1001/out"},
            "archive": {"none": {}},
        }
    ]
    for version in ("4.1.2", "3.7.18"):
        config["argo_version"] = version
        report = lint_manifest(wf.to_dict(reuse_step=[reused]), version=version)
        assert not report, str(report)


def test_without_reuse_the_init_artifact_step_is_not_memoized() -> None:
    manifest = _writer().to_dict()
    [init] = [t for t in manifest["spec"]["templates"] if t["name"].startswith("dflow-init-artifact")]
    assert "memoize" not in init and "inputs" not in init
    unkeyed = _writer(key=None).to_dict()
    assert "dflow_group_key" not in json.dumps(unkeyed)
