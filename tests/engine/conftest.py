"""Engine tests run twice: Python OPs in process, and in the worker pool (process isolation)."""

from __future__ import annotations

import pytest

from dflow_jupyter.config import config


@pytest.fixture(autouse=True, params=["inprocess", "process"])
def isolation(request: pytest.FixtureRequest, isolated_workdir: object) -> str:
    config["debug_isolation"] = request.param
    return str(request.param)
