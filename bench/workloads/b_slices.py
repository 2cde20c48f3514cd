"""Workload b: one step fanned out over 200 items with Slices, then a collector step."""

# No ``from __future__ import annotations``: dflow reads OP signatures from evaluated annotations.
import importlib
import os
from typing import Any, List, TypedDict  # List: dflow's type checks predate list[int]

from workloads._common import as_int, check, result, submit_and_wait, timed

impl = os.environ["BENCH_IMPL"]
dflow = importlib.import_module(impl)
dflow_python = importlib.import_module(f"{impl}.python")
# Bound once at import, as ``from dflow import Workflow, ...`` would: names a package loads
# lazily are then loaded here, outside the timed region, as in a user's module or notebook.
Workflow = dflow.Workflow
Step = dflow.Step
argo_range = dflow.argo_range
OP = dflow_python.OP
PythonOPTemplate = dflow_python.PythonOPTemplate
Slices = dflow_python.Slices

ITEMS = 200


class Square(TypedDict):
    y: int


class Total(TypedDict):
    total: int


@OP.function
def square(x: int) -> Square:
    return {"y": x * x}


@OP.function
def collect(ys: List[int]) -> Total:
    return {"total": sum(ys)}


def build_fanout(name: str, items: int) -> Any:
    """``square`` over ``range(items)`` (input sliced, output stacked), then ``collect``."""
    wf = Workflow(name=name)
    slices = Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])
    fan = Step(
        name="square",
        template=PythonOPTemplate(square, slices=slices),
        parameters={"x": list(range(items))},
        with_param=argo_range(items),
    )
    wf.add(fan)
    wf.add(
        Step(
            name="collect",
            template=PythonOPTemplate(collect),
            parameters={"ys": fan.outputs.parameters["y"]},
        )
    )
    return wf


def total(wf: Any) -> int:
    """The collector's output."""
    return as_int(wf.query_step(name="collect")[0].outputs.parameters["total"].value)


def expected_total(items: int) -> int:
    """Sum of the squares of ``range(items)``."""
    return sum(i * i for i in range(items))


def run() -> dict[str, Any]:
    with timed() as span:
        wf = build_fanout("slices", ITEMS)
        status = submit_and_wait(wf)
    return result(span, check(status, "total", lambda: total(wf), expected_total(ITEMS)), wf)
