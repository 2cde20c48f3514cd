"""Workload g: the fan-out of workload b over 10,000 items, then a collector."""

from __future__ import annotations

from typing import Any

from workloads._common import check, result, submit_and_wait, timed
from workloads.b_slices import build_fanout, expected_total, total

ITEMS = 10_000


def run() -> dict[str, Any]:
    with timed() as span:
        wf = build_fanout("fanout10k", ITEMS)
        status = submit_and_wait(wf)
    return result(span, check(status, "total", lambda: total(wf), expected_total(ITEMS)), wf)
