"""Every test runs in its own working directory with its own debug work and artifact dirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dflow_jupyter.config import config


@pytest.fixture(autouse=True)
def isolated_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    saved = dict(config)
    config["debug_workdir"] = str(tmp_path / "workflows")
    config["debug_artifact_dir"] = str(tmp_path / "artifacts")
    config["mode"] = "debug"
    config["debug_isolation"] = "inprocess"
    try:
        yield tmp_path
    finally:
        config.clear()
        config.update(saved)
