"""The reliability suite: crashes, concurrency, torn reads, OP faults and escapes, as a hostile user tries.

It runs in CI in a few minutes; ``DFLOW_RELIABILITY_LONG=1`` runs the long variants (more
trials, more threads, bigger outputs). Every test records its figures (trials, faults, results),
printed at the end of the session and saved as JSON when ``DFLOW_RELIABILITY_REPORT`` names a
file: ``docs/reliability.md`` quotes them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_figures: list[dict[str, Any]] = []


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Record one row of figures for the report (the test's id is added)."""

    def record(**row: Any) -> None:
        _figures.append({"test": request.node.name, **row})

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _figures:
        return
    terminalreporter.section("reliability figures")
    for row in _figures:
        terminalreporter.write_line(json.dumps(row, sort_keys=True))
    path = os.environ.get("DFLOW_RELIABILITY_REPORT")
    if path:
        Path(path).write_text(json.dumps(_figures, indent=1, sort_keys=True))
