"""Workflows of the reliability suite, importable by the test process and by the processes it kills.

Every OP appends its tag to a run log (one ``O_APPEND`` write per run, so runs of several
processes never interleave within a line): the tests count how often each step really ran.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import List

from dflow_jupyter import DAG, Step, Task, Workflow
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate


def ran(log: str, tag: str) -> None:
    """Record one run of the step ``tag``."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, f"{tag}\n".encode())
    finally:
        os.close(fd)


def runs(log: str) -> dict[str, int]:
    """How many times each step ran, by tag."""
    counts: dict[str, int] = {}
    if os.path.exists(log):
        for line in Path(log).read_text().splitlines():
            counts[line] = counts.get(line, 0) + 1
    return counts


@OP.function
def make_item(i: int, log: str, pause: float) -> {"out": Artifact(Path), "value": int}:  # type: ignore[valid-type]
    ran(log, f"item-{i}")
    time.sleep(pause)
    Path(f"item-{i}.txt").write_text(f"item {i}")
    return {"out": Path(f"item-{i}.txt"), "value": i * i}


@OP.function
def combine(parts: Artifact(List[Path]), log: str, tag: str) -> {"total": int, "out": Artifact(Path)}:  # type: ignore[valid-type]
    ran(log, tag)
    numbers = [int(Path(p).read_text().split()[1]) for p in parts]
    Path("total.txt").write_text(f"total {sum(numbers)}")
    return {"total": sum(numbers), "out": Path("total.txt")}


@OP.function
def grow(inp: Artifact(Path), i: int, log: str, pause: float) -> {"out": Artifact(Path)}:  # type: ignore[valid-type]
    ran(log, f"grow-{i}")
    time.sleep(pause)
    Path(f"grown-{i}.txt").write_text(f"item {int(Path(inp).read_text().split()[1]) + i}")
    return {"out": Path(f"grown-{i}.txt")}


#: ``DFLOW_RELIABILITY_LONG=1``: more trials, threads and examples, bigger outputs.
LONG = os.environ.get("DFLOW_RELIABILITY_LONG") == "1"

FANOUT_ITEMS = 10
DAG_BRANCHES = 4


def fanout(log: str, pause: float, wf_id: str | None = None) -> Workflow:
    """``FANOUT_ITEMS`` keyed items in parallel, then one step combining their artifacts."""
    wf = Workflow("kill-fanout", id=wf_id)
    items = Step(
        "items",
        PythonOPTemplate(make_item),
        parameters={"i": "{{item}}", "log": log, "pause": pause},
        with_param=list(range(FANOUT_ITEMS)),
        key="item-{{item}}",
    )
    total = Step(
        "total",
        PythonOPTemplate(combine),
        parameters={"log": log, "tag": "total"},
        artifacts={"parts": items.outputs.artifacts["out"]},
        key="total",
    )
    wf.add(items)
    wf.add(total)
    return wf


def dag(log: str, pause: float, wf_id: str | None = None) -> Workflow:
    """A root task, ``DAG_BRANCHES`` branches on its artifact, and a task joining them."""
    wf = Workflow("kill-dag", dag=DAG(), id=wf_id)
    root = Task("root", PythonOPTemplate(make_item), parameters={"i": 1, "log": log, "pause": pause})
    branches = [
        Task(
            f"branch{i}",
            PythonOPTemplate(grow),
            parameters={"i": i, "log": log, "pause": pause},
            artifacts={"inp": root.outputs.artifacts["out"]},
        )
        for i in range(DAG_BRANCHES)
    ]
    join = Task(
        "join",
        PythonOPTemplate(combine),
        parameters={"log": log, "tag": "join"},
        artifacts={"parts": [b.outputs.artifacts["out"] for b in branches]},
    )
    for task in (root, *branches, join):
        wf.add(task)
    return wf


#: The tag each step writes in the run log, by the display name of its node.
def expected_total(shape: str) -> int:
    if shape == "fanout":
        return sum(range(FANOUT_ITEMS))
    return sum(1 + i for i in range(DAG_BRANCHES))


SHAPES = {"fanout": fanout, "dag": dag}


def configure(workdir: str, isolation: str) -> None:
    config["debug_workdir"] = os.path.join(workdir, "workflows")
    config["debug_artifact_dir"] = os.path.join(workdir, "artifacts")
    config["debug_isolation"] = isolation
    config["debug_pool_workers"] = 2


def main() -> None:
    """``python -c 'import reliability_flows as f; f.main()' SHAPE ID WORKDIR ISOLATION LOG PAUSE [N]``.

    Runs the workflow ``SHAPE`` as ``ID`` (``N`` times with ids ``ID-0``... when given).
    """
    shape, wf_id, workdir, isolation, log, pause = sys.argv[1:7]
    repeat = int(sys.argv[7]) if len(sys.argv) > 7 else None
    configure(workdir, isolation)
    ids = [wf_id] if repeat is None else [f"{wf_id}-{n}" for n in range(repeat)]
    for one in ids:
        wf = SHAPES[shape](log, float(pause), one)
        wf.submit()
        if wf.query_status() != "Succeeded":
            sys.exit(f"{one}: {wf.query_status()}")
