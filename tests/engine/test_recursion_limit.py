"""Recursion stops at Argo's maximum depth, with a message naming the template; memory stays linear."""

from __future__ import annotations

import gc
import json
import tracemalloc

import pytest
from test_conditions import loop_template

from dflow_jupyter import Step, Steps, Workflow
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.run_records import workflow_dir


@OP.function
def one(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x}


def _endless() -> Steps:
    rec = Steps("rec")
    rec.add(Step("work", PythonOPTemplate(one), parameters={"x": 1}))
    rec.add(Step("inner", rec, when="1 == 1"))  # never false
    return rec


def _records(wf: Workflow) -> tuple[str, str]:
    directory = workflow_dir(str(wf.id))
    snapshot = json.loads((directory / "status.json").read_text())
    return (directory / "status").read_text(), snapshot["status"]["phase"]


def test_endless_recursion_stops_at_argos_default_depth() -> None:
    assert config["max_recursion_depth"] == 100  # Argo's maxAllowedStackDepth
    wf = Workflow("endless")
    wf.add(Step("start", _endless()))
    wf.submit()
    assert wf.query_status() == "Error"
    assert _records(wf) == ("Error", "Error")
    [error] = [s for s in wf.query_step(type="Pod") if s.phase == "Error"]
    assert "maximum recursion depth exceeded" in error.message
    assert "'rec'" in error.message and "max_recursion_depth" in error.message
    # Entry (1), start (2), then one level per recursion: the leaf at depth 100 is refused.
    assert error.name.count(".inner") == 97
    assert all(s.phase != "Running" for s in wf.query_step())


def test_the_limit_is_configurable() -> None:
    config["max_recursion_depth"] = 10
    wf = Workflow("shallow")
    wf.add(Step("start", loop_template(), parameters={"iter": 0, "limit": 20}))
    wf.submit()
    assert wf.query_status() == "Error"
    config["max_recursion_depth"] = 30
    wf = Workflow("deeper")
    wf.add(Step("start", loop_template(), parameters={"iter": 0, "limit": 20}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _records(wf) == ("Succeeded", "Succeeded")


def test_a_wide_fanout_of_nested_templates_is_not_deep() -> None:
    config["max_recursion_depth"] = 5
    inner = Steps("inner")
    inner.add(Step("work", PythonOPTemplate(one), parameters={"x": 1}))
    wf = Workflow("wide")
    wf.add(Step("many", inner, with_param=list(range(20))))
    wf.submit()
    assert wf.query_status() == "Succeeded"


def _peak_bytes(depth: int) -> int:
    wf = Workflow("memory")
    wf.add(Step("start", loop_template(), parameters={"iter": 0, "limit": depth}))
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    wf.submit()
    assert wf.query_status() == "Succeeded"
    return tracemalloc.get_traced_memory()[1] - base


# The engine's memory is the same in both modes; the pool's buffers would only add noise.
@pytest.mark.isolation("inprocess")
def test_memory_grows_linearly_with_depth_below_the_limit() -> None:
    tracemalloc.start()
    try:
        _peak_bytes(5)  # warm caches
        m20, m40, m80 = (min(_peak_bytes(depth) for _ in range(2)) for depth in (20, 40, 80))
    finally:
        tracemalloc.stop()
    per_level_low = (m40 - m20) / 20
    per_level_high = (m80 - m40) / 40
    # Linear: the same cost per level at any depth (quadratic growth would double it here).
    assert per_level_high < 1.6 * per_level_low, (m20, m40, m80)
