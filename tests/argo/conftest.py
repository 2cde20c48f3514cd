"""Shared fixtures of the Argo tests, and the summary lines they add to pytest's report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
EXPECTED = Path(__file__).parent / "expected"

#: Lines the tests want in the terminal summary (agreement counts), shown with or without -s.
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("Argo lint and compiler")
        for line in SUMMARY:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _argo_settings() -> Any:
    """Each test starts from the default Argo settings (the root conftest restores config)."""
    from dflow_jupyter.config import config, s3_config

    saved = dict(s3_config)
    config["argo_package"] = "image"
    config["argo_pickle_ops"] = False
    config["argo_default_image"] = None
    config["workflow_annotations"] = {}
    s3_config["repo_key"] = None
    yield
    s3_config.clear()
    s3_config.update(saved)
