"""Engine tests run twice: Python OPs in process, and in the worker pool (process isolation).

A test about one mode only says so with ``@pytest.mark.isolation("process")`` (or
``"inprocess"``): it is collected for that mode, not skipped for the other.
"""

from __future__ import annotations

import pytest

from dflow_jupyter.config import config

MODES = ("inprocess", "process")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "isolation" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("isolation")
        modes = list(marker.args) if marker is not None else list(MODES)
        unknown = set(modes) - set(MODES)
        assert not unknown, f"isolation marker: unknown modes {sorted(unknown)}"
        metafunc.parametrize("isolation", modes, indirect=True)


@pytest.fixture(autouse=True)
def isolation(request: pytest.FixtureRequest, isolated_workdir: object) -> str:
    config["debug_isolation"] = request.param
    return str(request.param)
