"""Workload d: a recursive Steps loop of 20 iterations stopped by ``when`` (dflow's example)."""

# No ``from __future__ import annotations``: dflow reads OP signatures from evaluated annotations.
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
Steps = dflow.Steps
Inputs = dflow.Inputs
InputParameter = dflow.InputParameter
OP = dflow_python.OP
PythonOPTemplate = dflow_python.PythonOPTemplate

ITERATIONS = 20


class Iter(TypedDict):
    iter: int


@OP.function
def plus_one(iter: int) -> Iter:
    return {"iter": iter + 1}


def run() -> dict[str, Any]:
    with timed() as span:
        loop = Steps(
            name="loop",
            inputs=Inputs(
                parameters={
                    "iter": InputParameter(value=0),
                    "limit": InputParameter(value=ITERATIONS),
                }
            ),
        )
        body = Step(
            name="body",
            template=PythonOPTemplate(plus_one),
            parameters={"iter": loop.inputs.parameters["iter"]},
        )
        loop.add(body)
        loop.add(
            Step(
                name="next",
                template=loop,
                parameters={"iter": body.outputs.parameters["iter"]},
                when=f"{body.outputs.parameters['iter']} < {loop.inputs.parameters['limit']}",
            )
        )
        wf = Workflow(name="recurse", steps=loop)
        status = submit_and_wait(wf)
    status = check(status, "(loop bodies, last iter)", lambda: bodies_and_last(wf), (ITERATIONS, ITERATIONS))
    return result(span, status, wf)


def bodies_and_last(wf: Any) -> tuple[int, int | None]:
    """How many loop bodies ran, and the largest iter they returned."""
    bodies = wf.query_step(name="body")
    last = max((as_int(s.outputs.parameters["iter"].value) for s in bodies), default=None)
    return len(bodies), last
