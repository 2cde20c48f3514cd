"""Workload e: a DAG of 100 tasks, chained diamonds of width 10.

Shape: one source task, then 9 diamonds; each diamond fans out from the previous join (or the
source) to 10 parallel ``inc`` tasks and joins them into one ``join`` task, which is the fan-out
point of the next diamond: 1 + 9 * (10 + 1) = 100 tasks, 19 levels deep. Each join returns the
mean of its 10 inputs, so the last join's value is 10.
"""

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
DAG = dflow.DAG
Task = dflow.Task
OP = dflow_python.OP
PythonOPTemplate = dflow_python.PythonOPTemplate

DIAMONDS = 9
WIDTH = 10


class Value(TypedDict):
    y: int


@OP.function
def inc(x: int) -> Value:
    return {"y": x + 1}


@OP.function
def join(x0: int, x1: int, x2: int, x3: int, x4: int, x5: int, x6: int, x7: int, x8: int, x9: int) -> Value:
    # Every branch carries the same value + 1, so the mean is that value again.
    return {"y": (x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9) // WIDTH}


def run() -> dict[str, Any]:
    with timed() as span:
        dag = DAG(name="diamonds")
        inc_template = PythonOPTemplate(inc)
        join_template = PythonOPTemplate(join)
        head = Task(name="source", template=inc_template, parameters={"x": 0})
        dag.add(head)
        for d in range(DIAMONDS):
            branches = [
                Task(
                    name=f"d{d}-b{b}",
                    template=inc_template,
                    parameters={"x": head.outputs.parameters["y"]},
                )
                for b in range(WIDTH)
            ]
            dag.add(branches)
            head = Task(
                name=f"d{d}-join",
                template=join_template,
                parameters={f"x{b}": t.outputs.parameters["y"] for b, t in enumerate(branches)},
            )
            dag.add(head)
        wf = Workflow(name="dag", dag=dag)
        status = submit_and_wait(wf)
    return result(span, check(status, "last join", lambda: last_join(wf), DIAMONDS + 1), wf)


def last_join(wf: Any) -> int:
    """The value of the last diamond's join."""
    return as_int(wf.query_step(name=f"d{DIAMONDS - 1}-join")[0].outputs.parameters["y"].value)
