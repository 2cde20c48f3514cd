"""Workload a: a chain of 50 function OPs, each adding one to the int it receives."""

# No ``from __future__ import annotations`` here: dflow reads the OP signatures from the
# evaluated annotations (inspect.signature), which that import would turn into strings.
import importlib
import os
from typing import Any, TypedDict

from workloads._common import as_int, check, result, submit_and_wait, timed

impl = os.environ["BENCH_IMPL"]
dflow = importlib.import_module(impl)
dflow_python = importlib.import_module(f"{impl}.python")
# Bound once at import, as ``from dflow import Workflow, ...`` would: names a package loads
# lazily are then loaded here, outside the timed region, as in a user's module or notebook.
Workflow = dflow.Workflow
Step = dflow.Step
OP = dflow_python.OP
PythonOPTemplate = dflow_python.PythonOPTemplate

LENGTH = 50


class Next(TypedDict):
    x: int


@OP.function
def add_one(x: int) -> Next:
    return {"x": x + 1}


def build_chain(name: str, length: int) -> Any:
    """A workflow of ``length`` sequential ``add_one`` steps, starting from 0."""
    wf = Workflow(name=name)
    template = PythonOPTemplate(add_one)
    value: Any = 0
    for i in range(length):
        step = Step(name=f"add{i}", template=template, parameters={"x": value})
        wf.add(step)
        value = step.outputs.parameters["x"]
    return wf


def last_value(wf: Any, length: int) -> int:
    """The output of the chain's last step."""
    return as_int(wf.query_step(name=f"add{length - 1}")[0].outputs.parameters["x"].value)


def run() -> dict[str, Any]:
    with timed() as span:
        wf = build_chain("chain", LENGTH)
        status = submit_and_wait(wf)
    return result(span, check(status, "last x", lambda: last_value(wf, LENGTH), LENGTH), wf)
