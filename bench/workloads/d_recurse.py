"""Workload d: a recursive Steps loop of 20 iterations stopped by ``when`` (dflow's example)."""

# No ``from __future__ import annotations``: dflow reads OP signatures from evaluated annotations.
import importlib
import os
from typing import Any, TypedDict

from workloads._common import as_int, check, result, submit_and_wait, timed

impl = os.environ["BENCH_IMPL"]
dflow = importlib.import_module(impl)
dflow_python = importlib.import_module(f"{impl}.python")

ITERATIONS = 20


class Iter(TypedDict):
    iter: int


@dflow_python.OP.function
def plus_one(iter: int) -> Iter:
    return {"iter": iter + 1}


def run() -> dict[str, Any]:
    with timed() as span:
        loop = dflow.Steps(
            name="loop",
            inputs=dflow.Inputs(
                parameters={
                    "iter": dflow.InputParameter(value=0),
                    "limit": dflow.InputParameter(value=ITERATIONS),
                }
            ),
        )
        body = dflow.Step(
            name="body",
            template=dflow_python.PythonOPTemplate(plus_one),
            parameters={"iter": loop.inputs.parameters["iter"]},
        )
        loop.add(body)
        loop.add(
            dflow.Step(
                name="next",
                template=loop,
                parameters={"iter": body.outputs.parameters["iter"]},
                when=f"{body.outputs.parameters['iter']} < {loop.inputs.parameters['limit']}",
            )
        )
        wf = dflow.Workflow(name="recurse", steps=loop)
        status = submit_and_wait(wf)
    status = check(
        status, "(loop bodies, last iter)", lambda: bodies_and_last(wf), (ITERATIONS, ITERATIONS)
    )
    return result(span, status)


def bodies_and_last(wf: Any) -> tuple[int, int | None]:
    """How many loop bodies ran, and the largest iter they returned."""
    bodies = wf.query_step(name="body")
    last = max((as_int(s.outputs.parameters["iter"].value) for s in bodies), default=None)
    return len(bodies), last
