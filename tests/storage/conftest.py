"""Fixtures of the storage tests: a store factory, a copy method and a producer workdir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dflow_jupyter.storage import LocalStore


@pytest.fixture(params=["auto", "link", "copy", "symlink", "reflink"])
def method(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(tmp_path: Path) -> Callable[..., LocalStore]:
    def make(method: str = "auto") -> LocalStore:
        return LocalStore(tmp_path / "artifacts", method)

    return make


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The working directory of a producer step ``<tmp>/wf/producer/workdir``."""
    path = tmp_path / "wf" / "producer" / "workdir"
    path.mkdir(parents=True)
    return path
