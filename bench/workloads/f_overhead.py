"""Workload f: per-step overhead from chains of 1, 2, 5, 10 and 20 steps in one process.

An untimed 1-step workflow runs first so that one-off costs (lazy imports, starting a worker
pool) do not land on the smallest point; the slope is the least-squares fit of wall time against
the number of steps.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from workloads._common import Span, check, fit_line, result, submit_and_wait, timed
from workloads.a_chain import build_chain, last_value

SIZES = (1, 2, 5, 10, 20)


def run() -> dict[str, Any]:
    wf = build_chain("warmup", 1)
    status = submit_and_wait(wf)
    points: dict[str, float] = {}
    total = Span()
    for size in SIZES:
        if status != "Succeeded":
            break
        with timed() as span:
            wf = build_chain(f"overhead{size}", size)
            status = submit_and_wait(wf)
        status = check(status, f"last x of the {size}-step chain", partial(last_value, wf, size), size)
        points[str(size)] = span.wall
        total.wall += span.wall
        total.cpu += span.cpu
    extra: dict[str, Any] = {"points": points}
    if len(points) == len(SIZES):
        slope, intercept = fit_line([float(s) for s in SIZES], list(points.values()))
        extra.update(slope=slope, intercept=intercept)
    return result(total, status, wf, **extra)
