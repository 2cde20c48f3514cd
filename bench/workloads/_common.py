"""Timing, waiting and result checks shared by the workloads (standard library only)."""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# Where OPs append the seconds they spent on their own file I/O (workload c); set per run.
OP_IO_LOG_ENV = "BENCH_OP_IO_LOG"


@dataclass
class Span:
    """Wall and CPU seconds of a timed region (CPU counts this process and reaped children)."""

    wall: float = 0.0
    cpu: float = 0.0


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def timed() -> Iterator[Span]:
    """Measure the enclosed block; the span is filled in when the block ends."""
    span = Span()
    wall0, cpu0 = time.perf_counter(), _cpu_seconds()
    try:
        yield span
    finally:
        span.wall = time.perf_counter() - wall0
        span.cpu = _cpu_seconds() - cpu0


def submit_and_wait(wf: Any, poll: float = 0.002) -> str:
    """Submit ``wf`` and poll its status until it leaves Pending/Running; return the phase."""
    wf.submit()
    # Both debug engines may return from submit() before or after the end; poll either way,
    # with a short interval so that polling does not dominate millisecond workflows.
    status = str(wf.query_status())
    while status in ("Pending", "Running"):
        time.sleep(poll)
        status = str(wf.query_status())
    return status


def as_int(value: Any) -> int:
    """An int from a queried parameter value, which either engine may return as JSON text."""
    if isinstance(value, str):
        value = json.loads(value)
    return int(value)


def check(status: str, what: str, got: Callable[[], Any], expected: Any) -> str:
    """Return ``status`` if ``got() == expected``, else a status naming the wrong result.

    ``got`` is only called for a Succeeded workflow: a failed one may have no outputs to query.
    """
    if status != "Succeeded":
        return status
    value = got()
    return status if value == expected else f"WrongResult: {what} is {value!r}, not {expected!r}"


def log_op_io(seconds: float) -> None:
    """Record the seconds an OP spent on its own I/O (no-op outside the benchmark)."""
    path = os.environ.get(OP_IO_LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{seconds!r}\n")


def read_op_io() -> list[float]:
    """The I/O seconds logged by every OP of this run, in completion order."""
    path = os.environ.get(OP_IO_LOG_ENV)
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as log:
        return [float(line) for line in log if line.strip()]


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares ``(slope, intercept)`` of ``ys`` against ``xs``."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


def failed_steps(wf: Any, limit: int = 3) -> str:
    """Name, phase and message of the first failed steps of ``wf``, for the failure table."""
    try:
        steps = list(wf.query_step())
    except Exception as exc:  # diagnostics only: never mask the workflow's own status
        return f"(query_step failed: {type(exc).__name__}: {exc})"[:300]
    failed = [s for s in steps if str(getattr(s, "phase", "")) in ("Failed", "Error")]
    parts = [
        f"{getattr(s, 'name', '?')} {s.phase}: {str(getattr(s, 'message', '') or '')[:300]}"
        for s in failed[-limit:]  # the innermost steps come last and say the most
    ]
    return "; ".join(parts)


def result(span: Span, status: str, wf: Any = None, **extra: Any) -> dict[str, Any]:
    """The JSON record a workload returns: ``wall``, ``cpu``, ``status`` and extras.

    For a workflow that did not succeed, ``error`` names its failed steps.
    """
    record = {"wall": span.wall, "cpu": span.cpu, "status": status, **extra}
    if wf is not None and status in ("Failed", "Error"):
        record["error"] = failed_steps(wf)
    return record
