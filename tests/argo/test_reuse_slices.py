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

from .ops import square

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
